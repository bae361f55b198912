"""The CID/UnixFS engine, written from the specs: varints, multihash, multibase, CIDs,
dag-pb, dag-cbor, UnixFS, HAMT, chunking, the importer (``ipfs add``), the exporter, CAR.

Pure: no node state, no I/O but the files it is asked to read or write. Errors that a
node answers with an HTTP status are in :mod:`.errors`.
"""
