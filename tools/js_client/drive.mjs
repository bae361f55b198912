// Drive the JS kubo-rpc-client (pinned in package-lock.json) against one daemon and print
// one JSON object: each step's result, {"ok": value} or {"error": {...}}.
//
//   node drive.mjs http://127.0.0.1:PORT DIR
//
// DIR is a folder to add with globSource. The steps touch only what they create (names
// start with "jsclient"), pin and unpin only content of their own, and remove their keys
// and MFS folder at the end, so a daemon shared with other tests is left as it was but for
// unpinned blocks. tests/ipfs_rpc/test_js_client.py runs this against real Kubo and ours
// and compares the two outputs step by step.
import { create, globSource, CID } from 'kubo-rpc-client'

const [url, dir] = process.argv.slice(2)
if (!url || !dir) {
  console.error('usage: node drive.mjs API_URL DIR')
  process.exit(2)
}
const ipfs = create({ url, timeout: '30s' })
const results = {}
const enc = new TextEncoder()
const dec = new TextDecoder()

// JSON for what the client returns: CIDs, bytes, BigInts, peer IDs and multiaddrs keep a
// tag, so that a type change is seen, not only a value change.
function plain (value) {
  if (value === null || value === undefined) return value ?? null
  if (typeof value === 'bigint') return { bigint: value.toString() }
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString('base64') }
  if (value instanceof Date) return { date: value.toISOString() }
  if (CID.asCID(value) != null) return { '/': value.toString() }
  if (Array.isArray(value)) return value.map(plain)
  if (typeof value === 'object') {
    if (typeof value.toMultihash === 'function' || value.constructor?.name?.endsWith('Multiaddr')) {
      return { string: value.toString() }
    }
    const out = {}
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'function') out[k] = plain(v)
    }
    return out
  }
  return value
}

async function collect (iterable) {
  const out = []
  for await (const item of iterable) out.push(item)
  return out
}

async function bytesOf (iterable) {
  return dec.decode(Buffer.concat(await collect(iterable)))
}

async function step (name, fn) {
  try {
    results[name] = { ok: plain(await fn()) }
  } catch (err) {
    results[name] = {
      error: { name: err.name, status: err.response?.status ?? null, message: String(err.message) }
    }
  }
}

const state = {}
const mfs = '/jsclient'

await step('version', () => ipfs.version())
await step('id', () => ipfs.id())

// Directories: the usual way, globSource with absolute ("/a/b.txt") names.
await step('addAll globSource', async () => {
  const added = await collect(ipfs.addAll(globSource(dir, '**/*'), { wrapWithDirectory: true }))
  state.dir = added.at(-1).cid
  return added
})
await step('addAll globSource hidden, cidVersion 1', () =>
  collect(ipfs.addAll(globSource(dir, '**/*', { hidden: true }), { cidVersion: 1, pin: false })))
await step('add string', async () => {
  const added = await ipfs.add('jsclient hello\n')
  state.file = added.cid
  return added
})
await step('add with options', () => ipfs.add(enc.encode('jsclient '.repeat(5000)), {
  cidVersion: 1, rawLeaves: false, chunker: 'size-1024', hashAlg: 'sha2-512', trickle: true, pin: false
}))
await step('add onlyHash wrapped', () => ipfs.add({ path: 'named.txt', content: 'jsclient named' },
  { onlyHash: true, wrapWithDirectory: true }))
await step('add rabin inline', () => ipfs.add('jsclient tiny', { chunker: 'rabin-16-32-64', inline: true, pin: false }))
await step('add mode and mtime', () => ipfs.add({
  content: 'jsclient with metadata', mode: 0o640, mtime: { secs: 1700000000n, nsecs: 5 }
}, { pin: false }))
await step('add bad chunker', () => ipfs.add('jsclient x', { chunker: 'nope-1' }))

await step('cat', () => bytesOf(ipfs.cat(state.file)))
await step('cat offset length', () => bytesOf(ipfs.cat(state.file, { offset: 2, length: 5 })))
await step('cat path in dir', () => bytesOf(ipfs.cat(`/ipfs/${state.dir}/a.txt`)))
await step('cat a directory', () => bytesOf(ipfs.cat(state.dir)))
await step('ls', () => collect(ipfs.ls(state.dir)))
await step('ls file', () => collect(ipfs.ls(state.file)))
await step('get', async () => (await collect(ipfs.get(state.file))).length > 0)

await step('pin.add', () => ipfs.pin.add(state.file))
await step('pin.ls paths', () => collect(ipfs.pin.ls({ paths: [state.file] })))
await step('pin.ls recursive own', async () =>
  (await collect(ipfs.pin.ls({ type: 'recursive' })))
    .filter(p => p.cid.equals(state.file) || p.cid.equals(state.dir)))
await step('pin.rm', () => ipfs.pin.rm(state.file))
await step('pin.ls unpinned', () => collect(ipfs.pin.ls({ paths: [state.file] })))
await step('pin.addAll', () => collect(ipfs.pin.addAll([state.file, { cid: state.dir, recursive: true }])))
await step('pin.rmAll', () => collect(ipfs.pin.rmAll([state.file, state.dir])))
await step('pin.rm not pinned', () => ipfs.pin.rm(state.file))

await step('block.put', async () => {
  state.block = await ipfs.block.put(enc.encode('jsclient block'))
  return state.block
})
await step('block.put dag-cbor sha2-512', () =>
  ipfs.block.put(Uint8Array.from([0xa1, 0x61, 0x61, 0x01]), { format: 'dag-cbor', mhtype: 'sha2-512' }))
await step('block.get', async () => dec.decode(await ipfs.block.get(state.block)))
await step('block.stat', () => ipfs.block.stat(state.block))
await step('block.rm', () => collect(ipfs.block.rm(state.block)))
await step('block.get removed', () => ipfs.block.get(state.block))

await step('dag.put dag-cbor', async () => {
  const leaf = await ipfs.dag.put({ name: 'jsclient leaf', n: 1 }, { storeCodec: 'dag-cbor' })
  state.dag = await ipfs.dag.put({ a: [0, { b: leaf, bytes: enc.encode('jsclient') }] },
    { storeCodec: 'dag-cbor', pin: true })
  return [leaf, state.dag]
})
await step('dag.put dag-json', () =>
  ipfs.dag.put({ jsclient: true, list: [1, 2, 3] }, { storeCodec: 'dag-json' }))
await step('dag.put encoded dag-cbor to dag-json', () =>
  ipfs.dag.put(Uint8Array.from([0xa1, 0x62, 0x6a, 0x73, 0xf5]), { inputCodec: 'dag-cbor', storeCodec: 'dag-json' }))
await step('dag.put sha2-512 cidVersion 1', () =>
  ipfs.dag.put({ jsclient: 512 }, { hashAlg: 'sha2-512' }))
await step('dag.get', () => ipfs.dag.get(state.dag))
await step('dag.get path', () => ipfs.dag.get(state.dag, { path: '/a/1/b/name' }))
await step('dag.get path through link', () => ipfs.dag.get(state.dag, { path: 'a/1/b' }))
await step('dag.get bad path', () => ipfs.dag.get(state.dag, { path: '/a/7' }))
await step('dag.resolve', () => ipfs.dag.resolve(`${state.dag}/a/1/b/n`))
await step('dag.get unixfs', () => ipfs.dag.get(state.file))
await step('pin.rm dag', () => ipfs.pin.rm(state.dag))

await step('files.mkdir', () => ipfs.files.mkdir(`${mfs}/sub/deep`, { parents: true }))
await step('files.write create', () =>
  ipfs.files.write(`${mfs}/sub/a.txt`, 'jsclient mfs text', { create: true }))
await step('files.write offset', () =>
  ipfs.files.write(`${mfs}/sub/a.txt`, 'MFS', { offset: 9 }))
await step('files.write missing parent', () =>
  ipfs.files.write(`${mfs}/nope/a.txt`, 'x', { create: true }))
await step('files.read', () => bytesOf(ipfs.files.read(`${mfs}/sub/a.txt`)))
await step('files.read offset length', () =>
  bytesOf(ipfs.files.read(`${mfs}/sub/a.txt`, { offset: 3, length: 4 })))
await step('files.cp', () => ipfs.files.cp(`/ipfs/${state.file}`, `${mfs}/hello.txt`))
await step('files.cp into dir', () => ipfs.files.cp(`/ipfs/${state.dir}`, `${mfs}/added`))
await step('files.mv', () => ipfs.files.mv(`${mfs}/hello.txt`, `${mfs}/sub/hello.txt`))
await step('files.ls', () => collect(ipfs.files.ls(`${mfs}/sub`)))
await step('files.ls added', () => collect(ipfs.files.ls(`${mfs}/added`)))
await step('files.stat dir', () => ipfs.files.stat(`${mfs}/sub`))
await step('files.stat file', () => ipfs.files.stat(`${mfs}/sub/a.txt`))
await step('files.stat ipfs path', () => ipfs.files.stat(`/ipfs/${state.file}`))
await step('files.stat missing', () => ipfs.files.stat(`${mfs}/missing`))
await step('files.flush', () => ipfs.files.flush(mfs))
await step('files.rm non-recursive dir', () => ipfs.files.rm(`${mfs}/sub`))
await step('files.rm file', () => ipfs.files.rm(`${mfs}/sub/hello.txt`))
await step('files.rm', () => ipfs.files.rm(mfs, { recursive: true }))
await step('files.stat removed', () => ipfs.files.stat(mfs))

await step('key.gen', async () => {
  const key = await ipfs.key.gen('jsclient-key', { type: 'ed25519' })
  state.key = key.id
  return key
})
await step('key.gen again', () => ipfs.key.gen('jsclient-key'))
await step('key.list own', async () =>
  (await ipfs.key.list()).filter(k => k.name.startsWith('jsclient') || k.name === 'self'))
await step('name.publish', () =>
  ipfs.name.publish(state.file, { key: 'jsclient-key', allowOffline: true, lifetime: '1h' }))
await step('name.resolve', () => collect(ipfs.name.resolve(`/ipns/${state.key}`)))
await step('name.resolve unknown key', () =>
  collect(ipfs.name.resolve('/ipns/k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8')))
await step('resolve ipns', () => ipfs.resolve(`/ipns/${state.key}`))
await step('resolve path', () => ipfs.resolve(`/ipfs/${state.dir}/a.txt`))
await step('key.rename', () => ipfs.key.rename('jsclient-key', 'jsclient-renamed'))
await step('key.rm', () => ipfs.key.rm('jsclient-renamed'))
await step('key.rm missing', () => ipfs.key.rm('jsclient-renamed'))

await step('refs', () => collect(ipfs.refs(state.dir, { recursive: true })))
await step('refs unique edges', () =>
  collect(ipfs.refs(state.dir, { recursive: true, unique: true, edges: true })))
await step('pin.update', async () => {
  await ipfs.pin.add(state.file)
  return ipfs.pin.update(state.file, state.dir, { unpin: true })
})
await step('pin.ls after update', () => collect(ipfs.pin.ls({ paths: [state.dir] })))
await step('pin.rm updated', () => ipfs.pin.rm(state.dir))
await step('config.getAll keys', async () => {
  const config = await ipfs.config.getAll()
  return { keys: Object.keys(config).sort(), privKey: 'PrivKey' in (config.Identity ?? {}) }
})
await step('config.get', () => ipfs.config.get('Datastore.GCPeriod'))
for (const period of ['2h', '1h']) {
  await step(`config.replace ${period}`, async () => {
    const config = await ipfs.config.getAll()
    config.Datastore.GCPeriod = period
    await ipfs.config.replace(config)
    return ipfs.config.get('Datastore.GCPeriod')
  })
}
await step('config.profiles.apply dry run', async () => {
  const { original, updated } = await ipfs.config.profiles.apply('unixfs-v1-2025', { dryRun: true })
  return { before: original.Import, after: updated.Import, stored: await ipfs.config.get('Import') }
})
await step('config.profiles.apply unixfs-v1-2025, then add', async () => {
  const { updated } = await ipfs.config.profiles.apply('unixfs-v1-2025')
  const added = await ipfs.add(new TextEncoder().encode('profiled\n'.repeat(200000)), { pin: false })
  return { import: updated.Import, cid: added.cid.toString(), size: added.size }
})
await step('config.profiles.apply legacy-cid-v0, then add', async () => {
  const { updated } = await ipfs.config.profiles.apply('legacy-cid-v0')
  const added = await ipfs.add(new TextEncoder().encode('profiled\n'.repeat(200000)), { pin: false })
  return { import: updated.Import, cid: added.cid.toString(), size: added.size }
})
await step('config.profiles.apply unknown', () => ipfs.config.profiles.apply('nope'))
await step('repo.version', () => ipfs.repo.version())
await step('routing.get offline', () => collect(ipfs.routing.get('/ipns/' + state.key)))
await step('routing.findProvs offline', () => collect(ipfs.routing.findProvs(state.file)))
await step('dht.query removed', () => collect(ipfs.dht.query(state.key)))
await step('stats.repo', () => ipfs.stats.repo())
await step('stats.bw', () => collect(ipfs.stats.bw()))
await step('stats.bitswap', () => ipfs.stats.bitswap())

process.stdout.write(JSON.stringify(results) + '\n')
