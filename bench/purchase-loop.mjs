// Closed-loop buyers for bench/purchase-cost.sh: each worker is a signed-in account that puts a random
// product in its cart and checks out, over and over, on keep-alive connections. After the warm-up it
// reads the CPU ticks of the given processes from /proc around the measured window, so the count of
// purchases and the CPU they cost come from the same interval.
//
// Usage: node bench/purchase-loop.mjs <base-url> <workers> <warmup-s> <measure-s> <pid>=<name>...
// PRODUCTS=<min>-<max> picks the products bought (default the whole catalog, 1-10000; 1-1 is one hot SKU).
// (a name ending in "+children" also counts the live children of that pid: PostgreSQL's backends).
import { readFileSync, readdirSync } from 'node:fs';

const [base, workersArg, warmupArg, measureArg, ...processArgs] = process.argv.slice(2);
const workers = Number(workersArg);
const [productMin, productMax] = (process.env.PRODUCTS ?? '1-10000').split('-').map(Number);
const processes = processArgs.map(arg => {
  const [pid, name] = arg.split('=');
  return { pid, name: name.replace('+children', ''), children: name.endsWith('+children') };
});

function ticksOf(pid, withChildren) {
  // Fields after the command name: utime is the 14th field, stime the 15th, cutime/cstime the 16th/17th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  let ticks = Number(fields[11]) + Number(fields[12]);
  if (withChildren) {
    ticks += Number(fields[13]) + Number(fields[14]); // reaped children
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const child = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const rest = child.slice(child.lastIndexOf(')') + 2).split(' ');
        if (rest[1] === pid) ticks += Number(rest[11]) + Number(rest[12]);
      } catch { /* exited meanwhile */ }
    }
  }
  return ticks;
}

const snapshot = () => Object.fromEntries(processes.map(p => [p.name, ticksOf(p.pid, p.children)]));

async function call(method, path, token, body, headers = {}) {
  const response = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text };
}

const password = 'purchase cost passphrase';
const tokens = [];
for (let i = 0; i < workers; i++) {
  const email = `cost-${Date.now()}-${i}@example.com`;
  await call('POST', '/api/accounts', null, { email, password });
  const session = await call('POST', '/api/sessions', null, { email, password });
  if (session.status !== 200) throw new Error(`sign-in answered ${session.status}: ${session.body}`);
  tokens.push(JSON.parse(session.body).accessToken);
}

let measuring = false;
let stop = false;
const counts = { paid: 0, other: {} };
let keys = 0;

async function worker(token) {
  while (!stop) {
    const product = productMin + Math.floor(Math.random() * (productMax - productMin + 1));
    const cart = await call('PUT', `/api/cart/items/${product}`, token, { quantity: 1 });
    if (cart.status !== 200) { if (measuring) counts.other[`cart ${cart.status}`] = (counts.other[`cart ${cart.status}`] ?? 0) + 1; continue; }
    const checkout = await call('POST', '/api/checkout', token, { paymentToken: 'tok_visa' }, { 'idempotency-key': `cost-${process.pid}-${++keys}` });
    if (!measuring) continue;
    if (checkout.status === 201) counts.paid++;
    else counts.other[`checkout ${checkout.status}`] = (counts.other[`checkout ${checkout.status}`] ?? 0) + 1;
  }
}

const running = tokens.map(worker);
await new Promise(resolve => setTimeout(resolve, Number(warmupArg) * 1000));
const before = snapshot();
const started = performance.now();
measuring = true;
await new Promise(resolve => setTimeout(resolve, Number(measureArg) * 1000));
measuring = false;
const after = snapshot();
const seconds = (performance.now() - started) / 1000;
stop = true;
await Promise.all(running);

const cpuTicks = Object.fromEntries(processes.map(p => [p.name, after[p.name] - before[p.name]]));
console.log(JSON.stringify({ seconds, paid: counts.paid, other: counts.other, cpuTicks }));
