// The renderer's one window onto core/: the API contract (pure zod). Nothing else from core/ may be
// imported here (renderer/vite.config.ts refuses the build if it is).
export * from '../../../core/session/api.js';
