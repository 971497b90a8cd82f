/**
 * The general-purpose integer instructions beyond alu/move/branch: one table joining
 * the per-group handler files (registered by execute/index.ts).
 */
import type { Factory } from '../compile';
import { bitHandlers } from './bitops';
import { conditionalHandlers } from './conditional';
import { convertHandlers } from './convert';
import { exchangeHandlers } from './exchange';
import { flagOpHandlers } from './flagOps';
import { mulDivHandlers } from './muldiv';
import { shiftHandlers } from './shift';
import { shiftDoubleHandlers } from './shiftDouble';
import { stackFrameHandlers } from './stackFrame';
import { stringHandlers } from './stringOps';

export const integerHandlers: [number, Factory][] = [
  ...bitHandlers,
  ...conditionalHandlers,
  ...convertHandlers,
  ...exchangeHandlers,
  ...flagOpHandlers,
  ...mulDivHandlers,
  ...shiftHandlers,
  ...shiftDoubleHandlers,
  ...stackFrameHandlers,
  ...stringHandlers,
];
