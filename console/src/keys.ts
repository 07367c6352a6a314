// The approver's Ed25519 key, made in this browser by WebCrypto as a
// non-extractable key pair and kept in IndexedDB: the private key can sign
// here and can never be read out, by the console or by anyone else.
import { toBase64 } from "./bytes.js";

const kDb = "portcullis-console";
const kStore = "keys";
const kSlot = "approver";

export interface BrowserKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The raw 32-byte public key, base64: what the gate's approvers[].publicKey holds. */
  publicKeyBase64: string;
  createdAt: string;
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(kDb, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(kStore);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("IndexedDB is not available"));
  });
}

async function run<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(kStore, mode);
      const req = f(tx.objectStore(kStore));
      tx.oncomplete = () => resolve(req.result as T);
      tx.onerror = () => reject(tx.error ?? new Error("IndexedDB failed"));
    });
  } finally {
    db.close();
  }
}

/** The key this browser holds, or null. */
export async function loadKey(): Promise<BrowserKey | null> {
  const key = await run<BrowserKey | undefined>("readonly", (s) => s.get(kSlot));
  return key ?? null;
}

/** Makes a new key pair (replacing any), stores it and returns it. */
export async function createKey(): Promise<BrowserKey> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"])) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const key: BrowserKey = {
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    publicKeyBase64: toBase64(raw),
    createdAt: new Date().toISOString(),
  };
  await run("readwrite", (s) => s.put(key, kSlot));
  return key;
}

/** Forgets the key. */
export async function deleteKey(): Promise<void> {
  await run("readwrite", (s) => s.delete(kSlot));
}

/** Ed25519 signature (64 bytes) of `message`. */
export async function sign(key: BrowserKey, message: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key.privateKey, message));
}
