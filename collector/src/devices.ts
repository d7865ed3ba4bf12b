/** Watches the media device list (`enumerateDevices` + `devicechange`). */
import type { DeviceListUpdate, MediaDeviceInfoLite } from '../../src/model/telemetry.ts';
import { deviceLite, diffDevices } from './device-diff.ts';

/** Keeps the current device list and reports its changes. */
export class DeviceWatcher {
  /** The latest known list. */
  devices: MediaDeviceInfoLite[] = [];
  private readonly md = globalThis.navigator?.mediaDevices;
  private readonly onChange = () => void this.refresh();

  constructor(private readonly emit: (updates: DeviceListUpdate[]) => void) {}

  /** Reads the initial list and starts listening for changes. */
  start(): void {
    this.md?.addEventListener?.('devicechange', this.onChange);
    void this.refresh();
  }

  stop(): void {
    this.md?.removeEventListener?.('devicechange', this.onChange);
  }

  /** Re-reads the list (also useful after a permission grant reveals labels). */
  async refresh(): Promise<void> {
    if (!this.md?.enumerateDevices) return;
    try {
      const list = (await this.md.enumerateDevices()).map(deviceLite);
      const updates = diffDevices(this.devices, list, Date.now());
      this.devices = list;
      if (updates.length) this.emit(updates);
    } catch {
      // enumerateDevices can reject (no permission, insecure context): nothing to report.
    }
  }

  /** The device with this id, from the latest list. */
  find(deviceId: string | undefined): MediaDeviceInfoLite | undefined {
    return deviceId ? this.devices.find((d) => d.device_id === deviceId) : undefined;
  }
}
