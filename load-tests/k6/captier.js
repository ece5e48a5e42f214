// captier under load with k6: the same 24 scenarios as the Gatling simulation
// (load-tests/src/test/java/io/captier/load/CaptierSimulation.java), named
// PROFILE-MIX-plain|session-direct|nginx. k6 is not installed on the build machine; the build
// checks that this file parses (K6ScriptTest).
//
//   source .captier/credentials.env
//   k6 run -e CAPTIER_TOKEN=$CAPTIER_TOKEN -e NGINX_CONSISTENT_URL=https://127.0.0.1:PORT \
//          -e NGINX_AVAILABLE_URL=https://127.0.0.1:PORT load-tests/k6/captier.js
//
// Environment: CAPTIER_TOKEN (required), CONSISTENT_URL / AVAILABLE_URL (default :5001 / :5002),
// NGINX_CONSISTENT_URL / NGINX_AVAILABLE_URL (no NGINX scenarios without them), SCENARIO (a regex
// over the names, default all), USERS (2 per direct scenario), DURATION (30s), NGINX_RATE (60
// requests/s over all NGINX scenarios: NGINX allows 100/s per client address), KEYS (100).
// Thresholds: no failed request; 429 only through NGINX, counted in `rate_limited`.
import http from 'k6/http';
import { check } from 'k6';
import { Counter } from 'k6/metrics';

const TOKEN = __ENV.CAPTIER_TOKEN;
const USERS = parseInt(__ENV.USERS || '2', 10);
const DURATION = __ENV.DURATION || '30s';
const NGINX_RATE = parseFloat(__ENV.NGINX_RATE || '60');
const KEYS = parseInt(__ENV.KEYS || '100', 10);
const SELECTED = new RegExp(`^(?:${__ENV.SCENARIO || '.*'})$`);

const MIXES = { 'read-heavy': 90, 'write-heavy': 10, mixed: 50 };
const URLS = {
  'consistent-direct': __ENV.CONSISTENT_URL || 'http://127.0.0.1:5001',
  'available-direct': __ENV.AVAILABLE_URL || 'http://127.0.0.1:5002',
  'consistent-nginx': __ENV.NGINX_CONSISTENT_URL,
  'available-nginx': __ENV.NGINX_AVAILABLE_URL,
};

const rateLimited = new Counter('rate_limited');

function chosen() {
  const list = [];
  for (const profile of ['consistent', 'available']) {
    for (const mix of Object.keys(MIXES)) {
      for (const session of ['plain', 'session']) {
        for (const via of ['direct', 'nginx']) {
          const name = `${profile}-${mix}-${session}-${via}`;
          if (SELECTED.test(name) && URLS[`${profile}-${via}`]) {
            list.push({ name, profile, mix, session, via });
          }
        }
      }
    }
  }
  return list;
}

function scenarios() {
  const list = chosen();
  const nginxCount = list.filter((s) => s.via === 'nginx').length;
  const result = {};
  for (const s of list) {
    const env = { PROFILE: s.profile, MIX: s.mix, SESSION: s.session, VIA: s.via };
    result[s.name] = s.via === 'direct'
      // Direct: closed loop, no think time, as Gatling's direct scenarios.
      ? { executor: 'constant-vus', vus: USERS, duration: DURATION, exec: 'run', env }
      // Through NGINX: a fixed arrival rate, together NGINX_RATE requests/s.
      : {
        executor: 'constant-arrival-rate', rate: Math.max(1, Math.round(NGINX_RATE / nginxCount)), timeUnit: '1s',
        duration: DURATION, preAllocatedVUs: 2, maxVUs: 10, exec: 'run', env,
      };
  }
  return result;
}

export const options = {
  scenarios: scenarios(),
  // The development certificate scripts/up makes is self-signed.
  insecureSkipTLSVerify: true,
  thresholds: {
    checks: ['rate==1'],
    http_req_failed: ['rate==0'],
    'rate_limited{via:direct}': ['count==0'],
  },
};

// Per virtual user: the last session token it got (each VU has its own copy of this module).
let sessionToken = null;

export function setup() {
  if (!TOKEN) {
    throw new Error('CAPTIER_TOKEN is required (source .captier/credentials.env)');
  }
}

export function run() {
  const { PROFILE, MIX, SESSION, VIA } = __ENV;
  const base = URLS[`${PROFILE}-${VIA}`];
  const key = `load-${Math.floor(Math.random() * KEYS)}`;
  const headers = { Authorization: `Bearer ${TOKEN}`, Accept: 'application/json' };
  if (SESSION === 'session' && sessionToken) {
    headers['X-Session-Token'] = sessionToken;
  }
  const accepted = VIA === 'nginx' ? [429] : [];
  const tags = { via: VIA };
  let res;
  let ok;
  if (Math.random() * 100 < MIXES[MIX]) {
    res = http.get(`${base}/read/${key}`, {
      headers, tags: { ...tags, name: 'read' },
      responseCallback: http.expectedStatuses(200, 404, ...accepted),
    });
    ok = check(res, { 'read 200/404': (r) => [200, 404, ...accepted].includes(r.status) });
  } else {
    headers['Content-Type'] = 'text/plain; charset=utf-8';
    res = http.post(`${base}/write/${key}`, `v${Math.floor(Math.random() * 1e9)}`, {
      headers, tags: { ...tags, name: 'write' },
      responseCallback: http.expectedStatuses(200, 202, ...accepted),
    });
    ok = check(res, { 'write 200/202': (r) => [200, 202, ...accepted].includes(r.status) });
  }
  if (res.status === 429) {
    rateLimited.add(1, tags);
  }
  if (ok && res.headers['X-Session-Token']) {
    sessionToken = res.headers['X-Session-Token'];
  }
}
