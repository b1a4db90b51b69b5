export {
  DFU_TARGET_IMAGE_TYPE_ANY,
  type DfuTarget,
  type DfuTargetEvt,
  type DfuTargetImageType,
} from './dfu-target.js';
