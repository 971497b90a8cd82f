/** Default-1 control values the hypervisor starts from (the TRUE_* allowed-0 bits, fact sheet §1.4). */
import { TrueControls } from '../vmx/capabilities';

export const Defaults = {
  pin: TrueControls.pin.mustBeOne,
  primary: TrueControls.primary.mustBeOne,
  exit: TrueControls.exit.mustBeOne,
  entry: TrueControls.entry.mustBeOne,
} as const;
