// Caches keyed by a short sequence of small integers (mode, mnemonic, one number per
// operand): a trie of Maps with Smi keys, so a lookup builds, flattens and hashes no
// string. Each node is the slot of the key that leads to it.

export interface TrieNode<V> {
  next: Map<number, TrieNode<V>> | undefined;
  value: V | undefined;
}

export function trieRoot<V>(): TrieNode<V> {
  return { next: undefined, value: undefined };
}

/** The node below `node` for `key`, created when missing. */
export function child<V>(node: TrieNode<V>, key: number): TrieNode<V> {
  let next = node.next;
  if (next === undefined) node.next = next = new Map();
  let found = next.get(key);
  if (found === undefined) {
    found = { next: undefined, value: undefined };
    next.set(key, found);
  }
  return found;
}
