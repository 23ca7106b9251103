/**
 * The renderer's Content-Security-Policy: its own code only, images from our protocol, no plugins
 * or framing. One string for both shells: the Electron main process sends it on `labeltune://app`
 * pages and browser mode sends it on every response, so the UI is held to the same rules in both.
 * It lives in the engine because main may import engine code but not the other way round.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  // labeltune: serves images in Electron; in browser mode they come from /asset/ on 'self'.
  "img-src 'self' labeltune: data:",
  "script-src 'self'",
  // Svelte puts component styles in the bundled CSS file; no inline styles are needed.
  "style-src 'self'",
  // 'self' also covers the browser-mode WebSocket on the same host and port (CSP Level 3).
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
