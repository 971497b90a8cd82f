/**
 * console_io(cmd, count, buffer): CONSOLEIO_write to the machine console; CONSOLEIO_read
 * from debug-console input (XenPlatform.consoleInput, or bytes typed into COM1's receive
 * buffer with the `input` console command).
 */
import { CONSOLEIO, Errno } from './abi';
import { fail, type XenArgs, type XenPlatform } from './platform';

const MAX_WRITE = 1 << 16;

export function consoleIo(xen: XenPlatform, args: XenArgs): bigint {
  const [cmd, count, buffer] = args;
  if (count > BigInt(MAX_WRITE)) return fail(Errno.EINVAL);
  const n = Number(count);
  if (cmd === BigInt(CONSOLEIO.write)) {
    const bytes = xen.mem.read(buffer, n);
    if (!bytes) return fail(Errno.EFAULT);
    xen.writeConsole(bytes);
    return 0n;
  }
  if (cmd === BigInt(CONSOLEIO.read)) {
    xen.pullSerialInput();
    const queue = xen.state.consoleInput;
    const bytes = Uint8Array.from(queue.slice(0, n));
    if (!xen.mem.write(buffer, bytes)) return fail(Errno.EFAULT);
    queue.splice(0, bytes.length);
    return BigInt(bytes.length);
  }
  return fail(Errno.ENOSYS);
}
