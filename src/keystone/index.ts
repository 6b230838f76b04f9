export * from './auth.js';
export * from './catalog.js';
export * from './session.js';
export * from './types.js';
