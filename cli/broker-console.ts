/** The CLI reaches the stand-in through the control API client of broker-fixtures. */
export {
  openBrokerConsole,
  type BrokerConsole,
  type ConsoleReply,
} from '../broker-fixtures/control-api/client.js';
