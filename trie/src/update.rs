//! Applying sorted updates to the in-memory trie, keeping its shape canonical,
//! and building fresh subtrees.

use rayon::prelude::*;

use crate::batch::Op;
use crate::codec::ChildRef;
use crate::leaf::Leaf;
use crate::nibbles::{has_path, key_len, key_nibble, key_nibbles, pack};
use crate::node::{Children, MemNode, Slot, hash_slot, resolve};
use crate::par::{PAR_OPS, parallel};
use crate::sorted::nibble_bounds;
use crate::{NodeSet, NodeStore, TrieError};

type Applied = Result<(Option<Slot>, bool), TrieError>;

/// Applies sorted unique `ops` (all sharing the slot's first `depth` nibbles)
/// to the node in `slot`; returns the new slot and whether anything changed.
pub(crate) fn apply_slot<S: NodeStore>(
    store: &S,
    slot: Option<Slot>,
    ops: &[Op<'_>],
    depth: usize,
) -> Applied {
    if ops.is_empty() {
        return Ok((slot, false));
    }
    let Some(mut slot) = slot else {
        let built = build(ops, depth);
        let changed = built.is_some();
        return Ok((built.map(Slot::dirty), changed));
    };
    match resolve(store, &mut slot)? {
        MemNode::Leaf(leaf) => {
            let [op] = ops else {
                return apply_leaf(slot, ops, depth);
            };
            if !leaf.holds(op.key, depth) {
                return apply_leaf(slot, ops, depth);
            }
            match op.value {
                None => Ok((None, true)),
                Some(v) if v == leaf.value() => Ok((Some(slot), false)),
                Some(v) => {
                    leaf.set_value(v);
                    slot.r = ChildRef::DIRTY;
                    Ok((Some(slot), true))
                }
            }
        }
        MemNode::Extension { path, .. } => {
            let path_len = path.len();
            let through = |op: &Op<'_>| has_path(op.key, depth, path);
            if !ops.iter().all(through) {
                // Deletes of keys that leave the path delete nothing.
                if ops.iter().all(|op| op.value.is_none() || through(op)) {
                    let kept: Vec<Op<'_>> = ops.iter().copied().filter(through).collect();
                    return apply_slot(store, Some(slot), &kept, depth);
                }
                return split_extension(store, slot, ops, depth);
            }
            let Some(MemNode::Extension { path, child }) = slot.node.take() else {
                unreachable!("matched above")
            };
            let (child, changed) = apply_slot(store, Some(*child), ops, depth + path_len)?;
            if !changed {
                let Some(child) = child else {
                    unreachable!("an unchanged child is still there")
                };
                slot.node = Some(MemNode::Extension {
                    path,
                    child: Box::new(child),
                });
                return Ok((Some(slot), false));
            }
            Ok((join_extension(store, path, child)?, true))
        }
        MemNode::Branch { .. } => apply_branch(store, slot, ops, depth),
    }
}

/// Turns an extension into a branch at this depth, then applies the ops to it.
fn split_extension<S: NodeStore>(
    store: &S,
    mut slot: Slot,
    ops: &[Op<'_>],
    depth: usize,
) -> Applied {
    let Some(MemNode::Extension { path, child }) = slot.node.take() else {
        unreachable!("called on extensions")
    };
    let mut children = Children::default();
    let below = if path.len() == 1 {
        *child
    } else {
        Slot::dirty(MemNode::Extension {
            path: path[1..].into(),
            child,
        })
    };
    children.push(path[0], below);
    let branch = Slot::dirty(MemNode::Branch {
        children,
        value: None,
    });
    let (slot, _) = apply_branch(store, branch, ops, depth)?;
    Ok((slot, true))
}

/// Applies ops to a leaf by merging it into the ops and rebuilding the subtree.
fn apply_leaf(slot: Slot, ops: &[Op<'_>], depth: usize) -> Applied {
    let Some(MemNode::Leaf(leaf)) = slot.node.as_ref() else {
        unreachable!("called on leaves")
    };
    let mut nibbles: Vec<u8> = (0..depth).map(|i| key_nibble(ops[0].key, i)).collect();
    nibbles.extend_from_slice(&leaf.path().to_nibbles());
    let leaf_key = pack(&nibbles).ok_or(TrieError::OddKey)?;
    let pos = ops.partition_point(|op| op.key < &leaf_key[..]);
    let touched = ops.get(pos).is_some_and(|op| op.key == &leaf_key[..]);
    if !touched && ops.iter().all(|op| op.value.is_none()) {
        return Ok((Some(slot), false));
    }
    let mut merged: Vec<Op<'_>> = Vec::with_capacity(ops.len() + 1);
    merged.extend_from_slice(&ops[..pos]);
    if !touched {
        merged.push(Op {
            key: &leaf_key,
            value: Some(leaf.value()),
        });
    }
    merged.extend_from_slice(&ops[pos..]);
    Ok((build(&merged, depth).map(Slot::dirty), true))
}

/// Applies ops to a branch, then restores the canonical shape.
fn apply_branch<S: NodeStore>(store: &S, mut slot: Slot, ops: &[Op<'_>], depth: usize) -> Applied {
    let Some(MemNode::Branch { children, value }) = slot.node.as_mut() else {
        unreachable!("called on branches")
    };
    let mut changed = false;
    let mut rest = ops;
    if key_len(ops[0].key) == depth {
        let new = ops[0].value;
        if value.as_deref() != new {
            *value = new.map(Into::into);
            changed = true;
        }
        rest = &ops[1..];
    }
    if rest.len() >= PAR_OPS && parallel() {
        changed |= apply_children_par(store, children, rest, depth)?;
    } else {
        let mut start = 0;
        while start < rest.len() {
            let nibble = key_nibble(rest[start].key, depth);
            let len = rest[start..]
                .iter()
                .position(|op| key_nibble(op.key, depth) != nibble)
                .unwrap_or(rest.len() - start);
            let part = &rest[start..start + len];
            changed |= children.update(nibble, |cur| apply_slot(store, cur, part, depth + 1))?;
            start += len;
        }
    }
    if !changed {
        return Ok((Some(slot), false));
    }
    slot.r = ChildRef::DIRTY;
    Ok((normalize_branch(store, slot)?, true))
}

/// Collapses a changed branch left with fewer than two entries.
fn normalize_branch<S: NodeStore>(store: &S, mut slot: Slot) -> Result<Option<Slot>, TrieError> {
    let Some(MemNode::Branch { children, value }) = slot.node.as_mut() else {
        unreachable!("called on branches")
    };
    match (children.len(), value.take()) {
        (0, None) => Ok(None),
        (0, Some(v)) => Ok(Some(Slot::dirty(MemNode::Leaf(Leaf::from_nibbles(
            &[],
            &v,
        ))))),
        (1, None) => {
            let Some(i) = children.first() else {
                unreachable!("one child")
            };
            let child = children.remove(i);
            join_extension(store, Box::new([i]), child)
        }
        (_, v) => {
            *value = v;
            Ok(Some(slot))
        }
    }
}

/// The node for `path` followed by `child`, merging paths so the shape stays canonical.
fn join_extension<S: NodeStore>(
    store: &S,
    path: Box<[u8]>,
    child: Option<Slot>,
) -> Result<Option<Slot>, TrieError> {
    let Some(mut child) = child else {
        return Ok(None);
    };
    resolve(store, &mut child)?;
    let concat = |rest: &[u8]| -> Box<[u8]> { path.iter().chain(rest).copied().collect() };
    let joined = match child.node.take() {
        Some(MemNode::Leaf(leaf)) => MemNode::Leaf(Leaf::from_nibbles(
            &concat(&leaf.path().to_nibbles()),
            leaf.value(),
        )),
        Some(MemNode::Extension { path: p, child }) => MemNode::Extension {
            path: concat(&p),
            child,
        },
        Some(branch @ MemNode::Branch { .. }) => {
            child.node = Some(branch);
            MemNode::Extension {
                path,
                child: Box::new(child),
            }
        }
        None => unreachable!("resolved above"),
    };
    Ok(Some(Slot::dirty(joined)))
}

/// Builds a fresh subtree at `depth` from sorted unique ops, ignoring deletes.
pub(crate) fn build(ops: &[Op<'_>], depth: usize) -> Option<MemNode> {
    if ops.iter().any(|op| op.value.is_none()) {
        let inserts: Vec<Op<'_>> = ops
            .iter()
            .copied()
            .filter(|op| op.value.is_some())
            .collect();
        build_inserts(&inserts, depth)
    } else {
        build_inserts(ops, depth)
    }
}

fn build_inserts(ops: &[Op<'_>], depth: usize) -> Option<MemNode> {
    let (first, last) = match ops {
        [] => return None,
        [op] => {
            return Some(MemNode::Leaf(Leaf::from_key(
                op.key,
                depth,
                op.value.unwrap_or_default(),
            )));
        }
        [first, .., last] => (first.key, last.key),
    };
    let max = key_len(first).min(key_len(last));
    let mut lcp = depth;
    while lcp < max && key_nibble(first, lcp) == key_nibble(last, lcp) {
        lcp += 1;
    }
    if lcp > depth {
        let Some(child) = build_inserts(ops, lcp) else {
            unreachable!("two or more entries build a node")
        };
        return Some(MemNode::Extension {
            path: key_nibbles(first, depth, lcp),
            child: Box::new(Slot::dirty(child)),
        });
    }
    let (value, rest) = if key_len(first) == depth {
        (ops[0].value.map(Into::into), &ops[1..])
    } else {
        (None, ops)
    };
    let bounds = nibble_bounds(rest, depth);
    let part = |i: usize| &rest[bounds[i]..bounds[i + 1]];
    let children = if rest.len() >= PAR_OPS && parallel() {
        build_children_par(rest, &bounds, depth)
    } else {
        // No 16-slot array on the stack: deep tries recurse through here.
        let mut children = Children::default();
        for i in 0..16u8 {
            if let Some(node) = build_inserts(part(usize::from(i)), depth + 1) {
                children.push(i, Slot::dirty(node));
            }
        }
        children
    };
    Some(MemNode::Branch { children, value })
}

/// Applies ops to a branch's children on all threads. Out of line, like
/// [`build_children_par`].
#[inline(never)]
fn apply_children_par<S: NodeStore>(
    store: &S,
    children: &mut Children,
    rest: &[Op<'_>],
    depth: usize,
) -> Result<bool, TrieError> {
    let bounds = nibble_bounds(rest, depth);
    let mut array = children.take_array();
    let results: Vec<Result<bool, TrieError>> = array
        .par_iter_mut()
        .enumerate()
        .map(|(i, cell)| {
            let part = &rest[bounds[i]..bounds[i + 1]];
            if part.is_empty() {
                return Ok(false);
            }
            let (new, ch) = apply_slot(store, cell.take(), part, depth + 1)?;
            *cell = new;
            Ok(ch)
        })
        .collect();
    children.put_array(array);
    let mut changed = false;
    for r in results {
        changed |= r?;
    }
    Ok(changed)
}

/// Builds a branch's children on all threads. Kept out of line so that its
/// 16-slot array is not in the frame of every level of a deep recursion.
#[inline(never)]
fn build_children_par(rest: &[Op<'_>], bounds: &[usize; 17], depth: usize) -> Children {
    let mut array: [Option<Slot>; 16] = Default::default();
    array.par_iter_mut().enumerate().for_each(|(i, cell)| {
        *cell = build_inserts(&rest[bounds[i]..bounds[i + 1]], depth + 1).map(Slot::dirty)
    });
    Children::from_array(array)
}

/// The reference of the subtree built at `depth` from sorted unique inserts;
/// its nodes referenced by hash go to `out`.
pub(crate) fn subtree_ref(ops: &[Op<'_>], depth: usize, out: &mut NodeSet) -> ChildRef {
    match build_inserts(ops, depth) {
        None => ChildRef::EMPTY,
        Some(node) => hash_slot(&mut Slot::dirty(node), out, 0),
    }
}
