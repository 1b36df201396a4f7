import noLockOrderInversion from './no-lock-order-inversion.js';
import noLockUpgrade from './no-lock-upgrade.js';
import noNestedLock from './no-nested-lock.js';
import releaseOnEveryPath from './release-on-every-path.js';

export const rules = {
  'no-nested-lock': noNestedLock,
  'no-lock-upgrade': noLockUpgrade,
  'release-on-every-path': releaseOnEveryPath,
  'no-lock-order-inversion': noLockOrderInversion,
};

export type TsRuleId = keyof typeof rules;
