// One launched program: the machine it runs on, the debugger's memory view of it, the
// runtime that drives it, and the expression context over its registers and memory.
import { Machine } from '../machine/machine';
import { ImageError } from '../machine/boot/elf';
import { BareLayout } from '../machine/boot/layout';
import { GuestLayout } from '../machine/hypervisor/layout';
import { bigIntToLinear } from '../machine/cpu/state';
import { DebugMemory } from './memory';
import { HyperscopeRuntime } from './runtime';
import { LaunchError, type LaunchConfig } from './launchConfig';
import { DiskImageError, openDeviceFiles, type FileBlockImage, type OpenedDevices } from './diskImage';
import { sourceAt, type LoadedProgram } from './program';
import { ExpressionError, type EvalContext } from './expression';
import { lookupRegister } from './registers';
import { hex64 } from './format';
import { vmcsExpressionValue } from './vmcsWrite';

/** Instructions between reverse-execution checkpoints: a step back replays at most this many. */
const REVERSE_INTERVAL = 100_000;

export class Debuggee {
  readonly machine: Machine;
  readonly memory: DebugMemory;
  readonly runtime: HyperscopeRuntime;
  readonly evalContext: EvalContext;
  private readonly devices: OpenedDevices;

  /** Opens the devices' files, builds the machine and loads the program; on failure nothing stays open. */
  constructor(
    readonly config: LaunchConfig,
    readonly program: LoadedProgram,
  ) {
    try {
      this.devices = openDeviceFiles(config.devices);
    } catch (e) {
      if (e instanceof DiskImageError) throw new LaunchError(`launch field 'devices.disk': ${e.message}`);
      throw e;
    }
    try {
      this.machine = this.createMachine();
      this.memory = new DebugMemory(this.machine);
      this.runtime = new HyperscopeRuntime(this.machine, this.memory, config.maxInstructions);
      this.load();
      this.machine.enableReverseExecution(REVERSE_INTERVAL);
    } catch (e) {
      this.devices.close();
      throw e;
    }
    // guest mode: the built-in hypervisor's host stub (VMX root) is not the user's code
    if (config.mode === 'guest') this.runtime.hidden = () => this.machine.cpu.nonRoot === undefined;
    this.runtime.lineOf = (rip) => {
      const entry = sourceAt(program, rip);
      return entry && entry.kind === 'instruction' ? `${entry.file}:${entry.line}` : undefined;
    };
    this.evalContext = {
      register: (name) => lookupRegister(name)?.get(this.machine.cpu) ?? vmcsExpressionValue(this.machine, name),
      symbol: (name) => program.symbols.get(name),
      readMemory: (address, size) => {
        const linear = bigIntToLinear(address);
        const value = linear === undefined ? undefined : this.memory.readValue(linear, size);
        if (value === undefined) throw new ExpressionError(`cannot read ${size} byte${size === 1 ? '' : 's'} at ${hex64(address)}: not mapped`);
        return value;
      },
    };
  }

  /** The program's run is over (terminate, disconnect, restart): stops the runtime and closes the disk image. */
  dispose(): void {
    this.runtime.terminate();
    this.devices.close();
  }

  /** The disk image file the launch configuration named, if any. */
  get diskImage(): FileBlockImage | undefined {
    return this.devices.disk;
  }

  private createMachine(): Machine {
    try {
      return new Machine({ memoryMB: this.config.memoryMB, onConsoleByte: (byte) => this.runtime.consoleByte(byte), devices: this.devices.options });
    } catch (e) {
      if (e instanceof RangeError) throw new LaunchError(`cannot allocate ${this.config.memoryMB} MiB of guest RAM (${e.message}); lower 'memoryMB'`);
      throw e;
    }
  }

  private load(): void {
    const { config, program } = this;
    let entry: number | undefined;
    if (typeof config.entry === 'string') {
      const value = program.symbols.get(config.entry);
      if (value === undefined) throw new LaunchError(`launch field 'entry': no label '${config.entry}' in ${program.path}`);
      entry = Number(value);
    } else entry = config.entry;
    const loadAddress = program.origin !== undefined && program.origin >= BareLayout.imageBase ? program.origin : undefined;
    try {
      if (config.mode === 'guest') {
        if (loadAddress !== undefined && loadAddress !== GuestLayout.imageBase) throw new LaunchError(`guest mode loads flat images at guest-physical 0x${GuestLayout.imageBase.toString(16)}, but ${program.path} has org 0x${loadAddress.toString(16)}`);
        this.machine.loadGuest(program.bytes, config.guest, entry);
      } else this.machine.loadBare(program.bytes, entry, loadAddress);
    } catch (e) {
      if (e instanceof ImageError || e instanceof RangeError) throw new LaunchError(`cannot load ${program.path}: ${e.message}`);
      throw e;
    }
  }
}
