// JSON calls to the lab's server. A refused request (4xx) carries the catalog's message, which the page shows.
// Every call says the page's language (Accept-Language; a socket's ?lang=), so that the server writes its error
// messages in it (lab/_error_words.py).

import { lang, t } from './i18n.js';

function headers(extra) {
  return { 'Accept-Language': lang(), ...extra };
}

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.error = error;
  }
}

async function handle(response) {
  const type = response.headers.get('content-type') || '';
  const body = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

export async function getJSON(path) {
  return handle(await fetch(path, { headers: headers({ Accept: 'application/json' }) }));
}

export async function postJSON(path, data) {
  return handle(await fetch(path, {
    method: 'POST',
    headers: headers({ 'Content-Type': 'application/json', Accept: 'application/json' }),
    body: JSON.stringify(data),
  }));
}

export async function postText(path, data) {
  return handle(await fetch(path, {
    method: 'POST',
    headers: headers({ 'Content-Type': 'application/json' }),
    body: JSON.stringify(data),
  }));
}

// A CSV file as the raw request body (the server bounds its size); answers the stored upload's description.
export async function uploadCSV(file) {
  return handle(await fetch(`/api/uploads?name=${encodeURIComponent(file.name)}`, {
    method: 'POST',
    headers: headers({ 'Content-Type': 'text/csv', Accept: 'application/json' }),
    body: file,
  }));
}

export async function del(path) {
  return handle(await fetch(path, { method: 'DELETE', headers: headers() }));
}

export function socketURL(path) {
  const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const sep = path.includes('?') ? '&' : '?';
  return `${proto}//${window.location.host}${path}${path.includes('lang=') ? '' : `${sep}lang=${lang()}`}`;
}

/**
 * What the page says when a run's socket closes that neither the page nor the run's end closed: `opened` false,
 * the server refused it (its request guard: an address without the lab's token, another host or origin; or no
 * server); true, it was lost. A browser shows the page neither a refused handshake's answer nor its reason, so
 * these are the page's own words, shaped like the server's errors (reportError shows `error.message`).
 */
export function socketFailure(opened) {
  return opened ? { error: { code: 'socket.lost', message: t('socket.lost') } }
    : { error: { code: 'socket.refused', message: t('socket.refused') } };
}
