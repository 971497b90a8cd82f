/** Shift and rotate operations, numbered like the ModRM reg field of the C0/D0/D2 groups. */
export const enum ShiftOp {
  Rol = 0,
  Ror = 1,
  Rcl = 2,
  Rcr = 3,
  Shl = 4,
  Shr = 5,
  Sar = 7,
}
