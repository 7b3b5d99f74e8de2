import { canonicalJson } from '../dist/canonical-json.js';
const quoted = new Map();
function quoteKey(key) { let q = quoted.get(key); if (q === undefined) { q = JSON.stringify(key); if (quoted.size < 1000) quoted.set(key, q); } return q; }
function fast(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) { let out = '['; for (let i = 0; i < value.length; i++) { if (i > 0) out += ','; out += fast(value[i]) ?? 'null'; } return out + ']'; }
  const keys = Object.keys(value);
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) { keys.sort(); break; }
  let out = '{'; let first = true;
  for (const key of keys) { const member = fast(value[key]); if (member === undefined) continue; out += first ? quoteKey(key) + ':' + member : ',' + quoteKey(key) + ':' + member; first = false; }
  return out + '}';
}
const N = +(process.env.N ?? 10000);
const ps = []; for (let i=0;i<N;i++) ps.push(i%3===0?{name:`Launch Brazil #${i}`, refreshType: 1, contactIds:['12345678','23456789','34567890']}:{name:`Launch Brazil #${i}`, refreshType: 2, groups:[{conditions:[{attribute:'country',operator:'==',value:'India'},{attribute:'plan',operator:'==',value:'pro'}]},{conditions:[{attribute:'n',operator:'==',value:3}]}]});
for (const p of ps.slice(0,50)) if (fast(p) !== canonicalJson(p)) throw new Error('mismatch');
const run = (label, f) => { const s=performance.now(); for (const p of ps) f(p); console.log(label, (performance.now()-s).toFixed(1)); };
const order = process.env.FIRST === 'fast' ? [['fast', fast], ['canon', canonicalJson]] : [['canon', canonicalJson], ['fast', fast]];
for (let r=0;r<2;r++) for (const [l,f] of order) run(l,f);
