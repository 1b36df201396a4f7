// Every Rust rule, in catalogue order.
import { doubleLock } from './double-lock.js';
import { guardAcrossAwait } from './guard-across-await.js';
import { guardAcrossBranch } from './guard-across-branch.js';
import { guardAcrossWait } from './guard-across-wait.js';
import { lockOrderInversion } from './lock-order-inversion.js';
import { lockUpgrade } from './lock-upgrade.js';
import type { RustRule } from './rule.js';
import { scrutineeGuard } from './scrutinee-guard.js';

export const RUST_RULES: readonly RustRule[] = [
  guardAcrossBranch,
  doubleLock,
  lockUpgrade,
  lockOrderInversion,
  guardAcrossAwait,
  guardAcrossWait,
  scrutineeGuard,
];
