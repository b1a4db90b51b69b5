export {
  AwsConnectResult,
  AwsDisconnectResult,
  AwsIot,
  type AwsIotConfig,
  type AwsIotEvt,
  type AwsIotEvtHandler,
  type AwsIotMessage,
  type AwsIotShadowSubscription,
  type AwsIotShadowTopicType,
  type AwsIotState,
  connectErrorTranslate,
} from './aws-iot.js';
