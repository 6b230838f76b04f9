export { CONFIG_FLAGS } from './flags.js';
export { DEFAULT_LAB_DIR, LAB_DIR_ENV, labDir } from './lab.js';
export type { RenderedConfig, RenderedSetting } from './render.js';
export { configSettings, renderConfig } from './render.js';
export { resolveConfig } from './resolve.js';
export { describeSource } from './sources.js';
export type {
  AuthType,
  ConfigFlags,
  ConfigInput,
  FlagSpec,
  Interface,
  ResolvedAuth,
  ResolvedConfig,
  ResolvedDb,
  ResolvedHarness,
  ResolvedTls,
  Source,
  Sourced,
} from './types.js';
