import type { AtCommand } from '../../../modem/at/command.js';
import { AF_INET, AF_INET6 } from '../../../modem/sockets/constants.js';
import { Errno, SocketError } from '../../../modem/sockets/errno.js';
import { SlmDataMode } from './data-mode.js';
import type { SlmContext } from './slm-context.js';
import { SLM_MAX_PAYLOAD, SLM_MAX_URL, slmError } from './slm-errors.js';

/** slm_at_mqtt.c buffer limits. */
const MAX_CLIENT_ID = 64;
const MAX_USERNAME = 64;
const MAX_PASSWORD = 64;
const MAX_TOPIC = 128;

/** `#XMQTTCFG="<client_id>"[,<keep_alive>[,<clean_session>]]`: set before connecting. */
export function xmqttcfg(slm: SlmContext): AtCommand {
  return {
    name: '#XMQTTCFG',
    ref: 'SLM MQTT_AT_commands.rst #XMQTTCFG',
    set: (ctx) => {
      ctx.params.count(1, 3);
      const mqtt = slm.mqtt;
      if (mqtt.connected) throw slmError('connected');
      const clientId = ctx.params.string(0, { maxLength: MAX_CLIENT_ID });
      const keepAlive = ctx.params.optionalInt(1, { min: 0, max: 65535 }) ?? mqtt.config.keepAlive;
      const cleanSession = (ctx.params.optionalInt(2, { min: 0, max: 1 }) ?? mqtt.config.cleanSession) as
        0 | 1;
      mqtt.config = { clientId, keepAlive, cleanSession };
    },
    read: () => {
      const c = slm.mqtt.config;
      return [`#XMQTTCFG: "${c.clientId}",${c.keepAlive},${c.cleanSession}`];
    },
    test: () => ['#XMQTTCFG: <client_id>,<keep_alive>,<clean_session>'],
  };
}

/**
 * `#XMQTTCON=<op>[,"<username>","<password>","<url>",<port>[,<sec_tag>]]`: op 1 (IPv4) or 2 (IPv6)
 * connects (TLS with the sec tag, peer verification required, the URL as host name), op 0
 * disconnects. OK once CONNECT is sent; the broker's answer follows as `#XMQTTEVT: 0,<result>`.
 */
export function xmqttcon(slm: SlmContext): AtCommand {
  return {
    name: '#XMQTTCON',
    ref: 'SLM MQTT_AT_commands.rst #XMQTTCON; slm_at_mqtt.c',
    set: async (ctx) => {
      const op = ctx.params.oneOf(0, [0, 1, 2] as const);
      const mqtt = slm.mqtt;
      if (op === 0) {
        ctx.params.count(1);
        mqtt.disconnect();
        return;
      }
      ctx.params.count(5, 6);
      const username = ctx.params.string(1, { maxLength: MAX_USERNAME });
      const password = ctx.params.string(2, { maxLength: MAX_PASSWORD });
      if (username === '' && password !== '') throw slmError('password without username');
      const url = ctx.params.string(3, { maxLength: SLM_MAX_URL });
      const port = ctx.params.int(4, { min: 1, max: 65535 });
      const secTag = ctx.params.optionalInt(5, { min: 0, max: 2147483647 });
      if (url === '') throw slmError('no broker');
      await mqtt.connect({ family: op === 1 ? AF_INET : AF_INET6, username, password, url, port, secTag });
    },
    read: () => {
      const mqtt = slm.mqtt;
      const t = mqtt.target;
      if (!mqtt.connected || !t) return ['#XMQTTCON: 0'];
      const tag = t.secTag !== undefined ? `,${t.secTag}` : '';
      return [`#XMQTTCON: 1,"${mqtt.config.clientId}","${t.url}",${t.port}${tag}`];
    },
    test: () => ['#XMQTTCON: (0,1,2),<username>,<password>,<url>,<port>,<sec_tag>'],
  };
}

/** `#XMQTTSUB="<topic>",<qos>`: SUBSCRIBE; the SUBACK follows as `#XMQTTEVT: 7,0`. */
export function xmqttsub(slm: SlmContext): AtCommand {
  return {
    name: '#XMQTTSUB',
    ref: 'SLM MQTT_AT_commands.rst #XMQTTSUB',
    set: (ctx) => {
      ctx.params.count(2);
      const topic = ctx.params.string(0, { maxLength: MAX_TOPIC });
      const qos = ctx.params.oneOf(1, [0, 1, 2] as const);
      if (topic === '') throw slmError('empty topic');
      slm.mqtt.subscribe(topic, qos);
    },
  };
}

/** `#XMQTTUNSUB="<topic>"`: the UNSUBACK follows as `#XMQTTEVT: 8,0`. */
export function xmqttunsub(slm: SlmContext): AtCommand {
  return {
    name: '#XMQTTUNSUB',
    ref: 'SLM MQTT_AT_commands.rst #XMQTTUNSUB',
    set: (ctx) => {
      ctx.params.count(1);
      const topic = ctx.params.string(0, { maxLength: MAX_TOPIC });
      if (topic === '') throw slmError('empty topic');
      slm.mqtt.unsubscribe(topic);
    },
  };
}

/**
 * `#XMQTTPUB="<topic>"[,"<msg>"[,<qos>[,<retain>]]]`: publishes (QoS 1 → `#XMQTTEVT: 3,0`; QoS 2 →
 * `4,0` then `6,0`). Without a message, or with `""`, data mode: each buffer the client sends is
 * published as one message until `+++`.
 */
export function xmqttpub(slm: SlmContext): AtCommand {
  return {
    name: '#XMQTTPUB',
    ref: 'SLM MQTT_AT_commands.rst #XMQTTPUB; slm_data_mode.rst',
    set: (ctx) => {
      ctx.params.count(1, 4);
      const topic = ctx.params.string(0, { maxLength: MAX_TOPIC });
      const message = ctx.params.optionalString(1);
      const qos = (ctx.params.optionalInt(2, { min: 0, max: 2 }) ?? 0) as 0 | 1 | 2;
      const retain = (ctx.params.optionalInt(3, { min: 0, max: 1 }) ?? 0) === 1;
      if (topic === '') throw slmError('empty topic');
      if (message !== undefined && message.length > SLM_MAX_PAYLOAD)
        throw slmError('message over 1024 bytes');
      const mqtt = slm.mqtt;
      if (!mqtt.connected) throw slmError('not connected');
      if (message !== undefined && message !== '') {
        mqtt.publish(topic, Buffer.from(message, 'latin1'), qos, retain);
        return;
      }
      const mode = new SlmDataMode(slm.modem.clock, slm.config, async (data, moreData) => {
        if (moreData) throw new SocketError(Errno.EOVERFLOW);
        if (!mqtt.connected) throw new SocketError(Errno.ENOTCONN);
        mqtt.publish(topic, data, qos, retain);
      });
      try {
        mode.start(ctx.session.dataMode);
      } catch {
        throw slmError('data mode needs a serial session');
      }
    },
  };
}
