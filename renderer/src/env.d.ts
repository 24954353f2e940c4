/// <reference types="vite/client" />
import type { StreamwatchApi } from './api/contract';

declare global {
  interface Window {
    /** Exposed by the Electron preload; absent in a browser (the WebSocket client is used). */
    streamwatch?: StreamwatchApi;
  }
}
