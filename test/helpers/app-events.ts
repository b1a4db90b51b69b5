import type { Device } from '../../firmware/device.js';

/** Resolves with the detail of the next `app` event named `name` (and passing `when`) the device emits. */
export function nextApp(
  device: Device,
  name: string,
  when: (detail: Record<string, unknown>) => boolean = () => true,
): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const listener = (event: string, detail: Record<string, unknown>): void => {
      if (event !== name || !when(detail)) return;
      device.off('app', listener);
      resolve(detail);
    };
    device.on('app', listener);
  });
}
