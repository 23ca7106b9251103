import type { ConnectionStatus } from '../api/ws-client.ts';

/** Whether the engine is reachable; the banner and the reload-after-reconnect read it. */
export class ConnectionState {
  status = $state<ConnectionStatus>('connecting');
  /** Set once the first connection opened, so a later 'connecting' reads as "reconnecting". */
  wasOpen = $state(false);

  set(status: ConnectionStatus): void {
    if (status === 'open') this.wasOpen = true;
    this.status = status;
  }
}
