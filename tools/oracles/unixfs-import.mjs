#!/usr/bin/env node
// CID oracle: imports files/directories with the reference JS UnixFS importer,
// configured to mimic Kubo's `ipfs add`, and prints one JSON line per entry
// ({"path","cid","size"}), in the importer's output order.
//
// usage: node unixfs-import.mjs [--cid-version 0|1] [--raw-leaves true|false]
//   [--chunk-size N] [--layout balanced|trickle] [--inline-limit N] [--wrap]
//   [--hidden] [--shard-threshold N] PATH...
// A PATH of "-" reads one file from stdin (reported with path "").
//
// Kubo mapping (see docs/ipfs-cids.md): cidVersion 0 unless set; rawLeaves defaults to
// cidVersion==1; balanced: reduceSingleLeafToSelf=true, leafType 'file'; trickle:
// reduceSingleLeafToSelf=false, leafType 'raw' (Kubo's trickle uses UnixFS Raw leaves
// and never reduces a single leaf); shardSplitStrategy 'links-bytes', threshold 262144;
// fileImportConcurrency=1 to keep output in walk order. JS has no inline option, so
// --inline-limit rewrites the finished DAG bottom-up, giving every block no longer than
// the limit an identity CIDv1 (as Kubo's InlineBuilder does).
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced, trickle } from 'ipfs-unixfs-importer/layout'
import { MemoryBlockstore } from 'blockstore-core/memory'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import * as fs from 'node:fs'
import * as path from 'node:path'

const args = process.argv.slice(2)
const opts = { cidVersion: 0, rawLeaves: undefined, chunkSize: 262144, layout: 'balanced',
  inlineLimit: -1, wrap: false, hidden: false, shardThreshold: 262144 }
const paths = []
for (let i = 0; i < args.length; i++) {
  const a = args[i]
  if (a === '--cid-version') opts.cidVersion = Number(args[++i])
  else if (a === '--raw-leaves') opts.rawLeaves = args[++i] === 'true'
  else if (a === '--chunk-size') opts.chunkSize = Number(args[++i])
  else if (a === '--layout') opts.layout = args[++i]
  else if (a === '--inline-limit') opts.inlineLimit = Number(args[++i])
  else if (a === '--wrap') opts.wrap = true
  else if (a === '--hidden') opts.hidden = true
  else if (a === '--shard-threshold') opts.shardThreshold = Number(args[++i])
  else if (a.startsWith('--')) { console.error(`unknown option ${a}`); process.exit(2) }
  else paths.push(a)
}
if (opts.rawLeaves === undefined) opts.rawLeaves = opts.cidVersion === 1
const isTrickle = opts.layout === 'trickle'

// Kubo walks directories with names sorted and, without --hidden, skips dotfiles.
function * candidates (p, rel) {
  const st = fs.lstatSync(p)
  if (st.isSymbolicLink()) {
    yield { path: rel, link: fs.readlinkSync(p) }
  } else if (st.isDirectory()) {
    yield { path: rel }
    const names = fs.readdirSync(p).sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
    for (const name of names) {
      if (!opts.hidden && name.startsWith('.')) continue
      yield * candidates(path.join(p, name), `${rel}/${name}`)
    }
  } else {
    yield { path: rel, content: fs.createReadStream(p) }
  }
}

function * source () {
  for (const p of paths) {
    if (p === '-') yield { content: process.stdin }
    else yield * candidates(p, path.basename(path.resolve(p)))
  }
}

const blockstore = new MemoryBlockstore()
const entries = []
for await (const entry of importer(source(), blockstore, {
  cidVersion: opts.cidVersion,
  rawLeaves: opts.rawLeaves,
  chunker: fixedSize({ chunkSize: opts.chunkSize }),
  layout: isTrickle ? trickle() : balanced({ maxChildrenPerNode: 174 }),
  reduceSingleLeafToSelf: !isTrickle,
  leafType: isTrickle ? 'raw' : 'file',
  wrapWithDirectory: opts.wrap,
  shardSplitThresholdBytes: opts.shardThreshold,
  shardSplitStrategy: 'links-bytes',
  fileImportConcurrency: 1,
  blockWriteConcurrency: 1
})) {
  entries.push({ path: entry.path ?? '', cid: entry.cid, size: Number(entry.size) })
}

// Inline rewrite: recompute each entry's DAG bottom-up with identity CIDs for small blocks.
async function getBytes (cid) {
  const out = blockstore.get(cid)
  if (out instanceof Uint8Array) return out
  if (out && typeof out.then === 'function') return await out
  const chunks = []
  for await (const c of out) chunks.push(c)
  return Buffer.concat(chunks)
}
const rewritten = new Map()
async function inline (cid) {
  const key = cid.toString()
  if (rewritten.has(key)) return rewritten.get(key)
  const bytes = await getBytes(cid)
  let block = bytes
  let size = bytes.length
  if (cid.code === dagPb.code) {
    const node = dagPb.decode(bytes)
    const links = []
    let total = 0
    for (const link of node.Links) {
      const child = await inline(link.Hash)
      links.push({ Hash: child.cid, Name: link.Name, Tsize: child.size })
      total += child.size
    }
    block = dagPb.encode(dagPb.prepare({ Data: node.Data, Links: links }))
    size = block.length + total
  }
  let out
  if (block.length <= opts.inlineLimit) {
    out = CID.createV1(cid.code, identity.digest(block))
  } else {
    const { sha256 } = await import('multiformats/hashes/sha2')
    const version = cid.code === dagPb.code ? opts.cidVersion : 1
    out = CID.create(version, cid.code, await sha256.digest(block))
  }
  const result = { cid: out, size }
  rewritten.set(key, result)
  return result
}

for (const entry of entries) {
  let { cid, size } = entry
  if (opts.inlineLimit >= 0) ({ cid, size } = await inline(cid))
  process.stdout.write(JSON.stringify({ path: entry.path, cid: cid.toString(), size }) + '\n')
}
