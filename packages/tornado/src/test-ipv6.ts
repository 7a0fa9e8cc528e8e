/**
 * For tests: whether this machine can bind IPv6's loopback (`::1`). Containers often cannot; the
 * IPv6 cases then say they were skipped.
 */
import { AF_INET6, SOCK_STREAM, Socket } from '@aio/selector';

function canBindIpv6Loopback(): boolean {
  let probe: Socket | null = null;
  try {
    probe = new Socket(AF_INET6, SOCK_STREAM);
    probe.bind(['::1', 0]);
    return true;
  } catch {
    return false;
  } finally {
    probe?.close();
  }
}

export const ipv6Loopback: boolean = canBindIpv6Loopback();
