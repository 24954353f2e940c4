// Serving dist/renderer under app://streamwatch/: URL → file, refusing anything outside the
// renderer directory. The Electron side (protocol.handle) lives in window.ts.
import { extname, resolve, sep } from 'node:path';
import { APP_HOST, APP_SCHEME } from './security.js';

export { contentType } from '../content-types.js';

/**
 * The file under `rootDir` that an app:// URL names, or null when the URL is not ours or escapes
 * the directory. Extension-less paths are client-side routes: they get index.html.
 */
export function resolveRendererFile(rootDir: string, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  if (pathname === '/' || pathname === '' || extname(pathname) === '') pathname = '/index.html';
  const root = resolve(rootDir);
  const file = resolve(root, `.${pathname}`);
  if (file !== root && !file.startsWith(root + sep)) return null;
  return file;
}
