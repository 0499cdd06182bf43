//! The host side of the structure vmcalls: a table of the structures a call
//! has opened (handles are small integers from 1, valid for the call, never
//! addresses), and one function per vmcall. Each checks the handle and the
//! operation against the structure's kind, charges before it copies or
//! allocates, and prices the trie work by the nodes the look-up passes
//! (docs/FORMATS.md "Structure vmcalls").

use foldhash::HashMap;

use svm_state::structure::{
    Element, MAX_KEY_BYTES, MAX_MEMBER_BYTES, MAX_VALUE_BYTES, PathKey, Structure,
};
use svm_state::{EntryPage, StructurePath};
use wasmer::{AsStoreMut, Function, FunctionEnv, Store};

use crate::gas;
use crate::host::{Ctx, Env, HostTrap, bad, charge, read, span, write};
use crate::state::ContractState;
use crate::vmcalls::{MAX_CURSOR_BYTES, MAX_HANDLES};

/// The structures a call has opened: handle `h` is entry `h - 1`.
#[derive(Default)]
pub(crate) struct Handles {
    open: Vec<(StructurePath, Structure)>,
    by_path: HashMap<StructurePath, i32>,
}

impl Handles {
    fn get(&self, h: i32) -> Result<(StructurePath, Structure), HostTrap> {
        usize::try_from(h)
            .ok()
            .and_then(|h| h.checked_sub(1))
            .and_then(|i| self.open.get(i))
            .cloned()
            .ok_or_else(|| {
                bad(format!(
                    "structure handle {h} is not open in this call (it has {})",
                    self.open.len()
                ))
            })
    }

    fn room(&self, path: &StructurePath) -> Result<(), HostTrap> {
        if self.open.len() >= MAX_HANDLES && !self.by_path.contains_key(path) {
            return Err(bad(format!(
                "a call may open at most {MAX_HANDLES} structures"
            )));
        }
        Ok(())
    }

    fn add(&mut self, path: StructurePath, kind: Structure) -> Result<i32, HostTrap> {
        if let Some(&h) = self.by_path.get(&path) {
            return Ok(h);
        }
        self.room(&path)?;
        self.open.push((path.clone(), kind));
        let h = self.open.len() as i32;
        self.by_path.insert(path, h);
        Ok(h)
    }
}

type Op<T> = Result<T, HostTrap>;

impl<S: ContractState> Env<S> {
    /// Runs a state operation on this contract, mapping its error.
    fn on_state<T>(
        &mut self,
        f: impl FnOnce(&mut S, &svm_state::Address) -> Result<T, svm_state::StateError>,
    ) -> Op<T> {
        let contract = self.contract;
        let state = self.state()?;
        match f(state, &contract) {
            Ok(v) => Ok(v),
            Err(e) => Err(self.state_error(e)),
        }
    }

    /// How many nodes a look-up of `probe` passes in `path`.
    fn nodes(&mut self, path: &StructurePath, probe: Probe<'_>) -> Op<u64> {
        match probe {
            Probe::Key(key) => self.on_state(|s, a| s.element_path_nodes(a, path, key)),
            Probe::Trie(trie_key) => {
                self.on_state(|s, a| s.structure_path_nodes(a, path, trie_key))
            }
        }
        .map(u64::from)
    }
}

/// What a look-up looks for: an element's key, or a trie key (a cursor,
/// a bound, a member found).
#[derive(Clone, Copy)]
enum Probe<'a> {
    Key(&'a PathKey),
    Trie(&'a [u8]),
}

/// Charges a look-up of `probe` in `path`.
fn charge_read<S: ContractState>(
    env: &mut Env<S>,
    store: &mut impl AsStoreMut,
    path: &StructurePath,
    probe: Probe<'_>,
) -> Op<()> {
    let nodes = env.nodes(path, probe)?;
    charge(env, store, gas::NODE_READ * nodes)
}

/// Charges a write of element `key` in `path`: the look-up, the nodes
/// hashed again, and the first write of the structure and of each one
/// holding it.
fn charge_write<S: ContractState>(
    env: &mut Env<S>,
    store: &mut impl AsStoreMut,
    path: &StructurePath,
    key: &PathKey,
) -> Op<()> {
    let nodes = env.nodes(path, Probe::Key(key))?;
    charge(
        env,
        store,
        gas::NODE_READ * nodes + gas::NODE_WRITE * (nodes + 1),
    )?;
    charge_written(env, store, path)
}

/// The first write of `path` and of each structure holding it.
fn charge_written<S: ContractState>(
    env: &mut Env<S>,
    store: &mut impl AsStoreMut,
    path: &StructurePath,
) -> Op<()> {
    for depth in 0..=path.keys.len() {
        let p = StructurePath {
            variable: path.variable,
            keys: path.keys[..depth].to_vec(),
        };
        if !env.touched.structures_written.contains(&p) {
            charge(env, store, gas::STRUCTURE_WRITE)?;
            env.touched.structures_written.insert(p);
        }
    }
    Ok(())
}

/// Reads `len` bytes at `ptr` (at most `max`, else a trap naming `what`),
/// charging `per_byte` for each before copying.
fn take<S>(
    env: &Env<S>,
    store: &mut impl AsStoreMut,
    (ptr, len): (i32, i32),
    max: usize,
    per_byte: u64,
    what: &str,
) -> Op<Vec<u8>> {
    let n = len as u32 as usize;
    if n > max {
        return Err(bad(format!(
            "{what} of {n} bytes is longer than the {max} allowed"
        )));
    }
    charge(env, store, per_byte * n as u64)?;
    read(env, store, ptr, len)
}

/// The longest key of a structure of kind `kind`.
fn max_key(kind: &Structure) -> usize {
    match kind {
        Structure::SortedSet => MAX_MEMBER_BYTES,
        _ => MAX_KEY_BYTES,
    }
}

/// Hands `bytes` to the contract: charges them, copies them to
/// [out, out + cap) if they fit, and returns their length.
fn give<S>(env: &Env<S>, store: &mut impl AsStoreMut, bytes: &[u8], out: i32, cap: i32) -> Op<i64> {
    let (_, cap) = span(env, store, out, cap)?;
    charge(env, store, gas::ELEMENT_READ_BYTE * bytes.len() as u64)?;
    if bytes.len() <= cap {
        write(env, store, out, bytes)?;
    }
    Ok(bytes.len() as i64)
}

fn kind_trap(op: &str, kind: &Structure) -> HostTrap {
    let what = match kind {
        Structure::List(Element::Bytes) => "a list of bytes",
        Structure::List(_) => "a list of structures",
        Structure::Map(Element::Bytes) => "a map of bytes",
        Structure::Map(_) => "a map of structures",
        Structure::Set => "a set",
        Structure::SortedSet => "a sorted set",
    };
    bad(format!("{op} does not apply to {what}"))
}

/// A list index from the guest.
fn index(i: i64) -> Op<u32> {
    u32::try_from(i)
        .ok()
        .filter(|&i| i < u32::MAX)
        .ok_or_else(|| bad(format!("list index {i} is out of range")))
}

/// Registers the structure at `path` of kind `kind` (opened in the state
/// first, which checks that it exists), charging its first open in the
/// transaction and the look-up of its handle in `parent`.
fn open<S: ContractState>(
    env: &mut Env<S>,
    store: &mut impl AsStoreMut,
    path: StructurePath,
    kind: Structure,
    parent: Option<(&StructurePath, &PathKey)>,
) -> Op<i32> {
    env.handles.room(&path)?;
    if !env.touched.structures_opened.contains(&path) {
        charge(env, store, gas::STRUCTURE_OPEN)?;
        if let Some((parent, key)) = parent {
            charge_read(env, store, parent, Probe::Key(key))?;
        }
        env.touched.structures_opened.insert(path.clone());
    }
    env.on_state(|s, a| s.structure_len(a, &path))?;
    env.handles.add(path, kind)
}

fn struct_open<S: ContractState>(mut ctx: Ctx<'_, S>, var: i32) -> Op<i32> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let layout = env.layout()?;
    let index = u32::try_from(var).map_err(|_| bad(format!("variable {var} is negative")))?;
    let kind = layout
        .structure(index as usize)
        .map_err(|e| bad(e.to_string()))?
        .clone();
    open(env, &mut store, StructurePath::variable(index), kind, None)
}

fn struct_open_key<S: ContractState>(mut ctx: Ctx<'_, S>, h: i32, ptr: i32, len: i32) -> Op<i32> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let (path, kind) = env.handles.get(h)?;
    let (Structure::Map(_), Some(inner)) = (&kind, kind.nested()) else {
        return Err(kind_trap("struct_open_key", &kind));
    };
    let key = take(
        env,
        &mut store,
        (ptr, len),
        MAX_KEY_BYTES,
        gas::ELEMENT_READ_BYTE,
        "a key",
    )?;
    let key = PathKey::Key(key);
    let inner = inner.clone();
    open(
        env,
        &mut store,
        path.child(key.clone()),
        inner,
        Some((&path, &key)),
    )
}

fn struct_open_index<S: ContractState>(mut ctx: Ctx<'_, S>, h: i32, i: i64) -> Op<i32> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let (path, kind) = env.handles.get(h)?;
    let (Structure::List(_), Some(inner)) = (&kind, kind.nested()) else {
        return Err(kind_trap("struct_open_index", &kind));
    };
    let key = PathKey::Index(index(i)?);
    let inner = inner.clone();
    open(
        env,
        &mut store,
        path.child(key.clone()),
        inner,
        Some((&path, &key)),
    )
}

fn struct_len<S: ContractState>(mut ctx: Ctx<'_, S>, h: i32) -> Op<i64> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let (path, _) = env.handles.get(h)?;
    let len = env.on_state(|s, a| s.structure_len(a, &path))?;
    Ok(len as i64)
}

fn struct_clear<S: ContractState>(mut ctx: Ctx<'_, S>, h: i32) -> Op<()> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let (path, _) = env.handles.get(h)?;
    charge_written(env, &mut store, &path)?;
    env.on_state(|s, a| s.clear(a, &path))
}

/// The handle's structure, which must be of a kind `op` applies to, and
/// the key at (ptr, len), as bytes and as a path key.
fn keyed<S: ContractState>(
    env: &mut Env<S>,
    store: &mut impl AsStoreMut,
    (op, applies): (&str, fn(&Structure) -> bool),
    h: i32,
    key: (i32, i32),
    per_byte: u64,
) -> Op<(StructurePath, Vec<u8>, PathKey)> {
    let (path, kind) = env.handles.get(h)?;
    if !applies(&kind) {
        return Err(kind_trap(op, &kind));
    }
    let key = take(env, store, key, max_key(&kind), per_byte, "a key")?;
    let path_key = PathKey::Key(key.clone());
    Ok((path, key, path_key))
}

/// Maps, sets and sorted sets: what has keys.
fn has_keys(kind: &Structure) -> bool {
    !matches!(kind, Structure::List(_))
}

/// Maps of bytes.
fn map_of_bytes(kind: &Structure) -> bool {
    *kind == Structure::Map(Element::Bytes)
}

/// Sets and sorted sets.
fn set(kind: &Structure) -> bool {
    matches!(kind, Structure::Set | Structure::SortedSet)
}

fn struct_contains<S: ContractState>(mut ctx: Ctx<'_, S>, h: i32, ptr: i32, len: i32) -> Op<i32> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let (path, key, path_key) = keyed(
        env,
        &mut store,
        ("struct_contains", has_keys),
        h,
        (ptr, len),
        gas::ELEMENT_READ_BYTE,
    )?;
    charge_read(env, &mut store, &path, Probe::Key(&path_key))?;
    Ok(env.on_state(|s, a| s.contains(a, &path, &key))?.into())
}

fn struct_remove<S: ContractState>(mut ctx: Ctx<'_, S>, h: i32, ptr: i32, len: i32) -> Op<i32> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let (path, key, path_key) = keyed(
        env,
        &mut store,
        ("struct_remove", has_keys),
        h,
        (ptr, len),
        gas::ELEMENT_READ_BYTE,
    )?;
    charge_write(env, &mut store, &path, &path_key)?;
    Ok(env.on_state(|s, a| s.remove(a, &path, &key))?.into())
}

/// Encodes an entry for `struct_entry`: the next cursor (u8 length), the
/// key (u16 big-endian length; a list's is its index, 4 bytes big-endian)
/// and the value (the rest; none for members and structures).
fn encode_entry(next: &[u8], key: &PathKey, value: Option<&[u8]>) -> Vec<u8> {
    let key: Vec<u8> = match key {
        PathKey::Index(i) => i.to_be_bytes().to_vec(),
        PathKey::Key(k) => k.clone(),
    };
    let value = value.unwrap_or_default();
    let mut out = Vec::with_capacity(3 + next.len() + key.len() + value.len());
    out.push(next.len() as u8);
    out.extend_from_slice(next);
    out.extend_from_slice(&(key.len() as u16).to_be_bytes());
    out.extend_from_slice(&key);
    out.extend_from_slice(value);
    out
}

fn struct_entry<S: ContractState>(
    mut ctx: Ctx<'_, S>,
    h: i32,
    cursor_ptr: i32,
    cursor_len: i32,
    out: i32,
    cap: i32,
) -> Op<i64> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let (path, _) = env.handles.get(h)?;
    let cursor = take(
        env,
        &mut store,
        (cursor_ptr, cursor_len),
        MAX_CURSOR_BYTES,
        gas::ELEMENT_READ_BYTE,
        "a cursor",
    )?;
    span(env, &store, out, cap)?;
    charge_read(env, &mut store, &path, Probe::Trie(&cursor))?;
    let EntryPage {
        entries,
        next,
        synced,
    } = env.on_state(|s, a| s.entries(a, &path, &cursor, 1))?;
    charge(env, &mut store, gas::STRUCTURE_SYNC * synced as u64)?;
    let Some((key, value)) = entries.into_iter().next() else {
        return Ok(-1);
    };
    charge_read(env, &mut store, &path, Probe::Key(&key))?;
    let next = next.unwrap_or_default();
    if !next.is_empty() {
        charge_read(env, &mut store, &path, Probe::Trie(&next))?;
    }
    let bytes = encode_entry(&next, &key, value.as_deref());
    give(env, &mut store, &bytes, out, cap)
}

fn map_get<S: ContractState>(
    mut ctx: Ctx<'_, S>,
    h: i32,
    ptr: i32,
    len: i32,
    out: i32,
    cap: i32,
) -> Op<i64> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let (path, _, key) = keyed(
        env,
        &mut store,
        ("map_get", map_of_bytes),
        h,
        (ptr, len),
        gas::ELEMENT_READ_BYTE,
    )?;
    span(env, &store, out, cap)?;
    charge_read(env, &mut store, &path, Probe::Key(&key))?;
    match env.on_state(|s, a| s.element(a, &path, &key))? {
        None => Ok(-1),
        Some(v) => give(env, &mut store, &v, out, cap),
    }
}

/// Charges an element the operation added (the structure grew).
fn charge_growth<S: ContractState>(
    env: &mut Env<S>,
    store: &mut impl AsStoreMut,
    path: &StructurePath,
    before: u64,
) -> Op<()> {
    let after = env.on_state(|s, a| s.structure_len(a, path))?;
    if after > before {
        charge(env, store, gas::ELEMENT_NEW)?;
    }
    Ok(())
}

fn map_set<S: ContractState>(
    mut ctx: Ctx<'_, S>,
    h: i32,
    ptr: i32,
    len: i32,
    value_ptr: i32,
    value_len: i32,
) -> Op<()> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let (path, _, key) = keyed(
        env,
        &mut store,
        ("map_set", map_of_bytes),
        h,
        (ptr, len),
        gas::ELEMENT_WRITE_BYTE,
    )?;
    let value = take(
        env,
        &mut store,
        (value_ptr, value_len),
        MAX_VALUE_BYTES,
        gas::ELEMENT_WRITE_BYTE,
        "a value",
    )?;
    charge_write(env, &mut store, &path, &key)?;
    let before = env.on_state(|s, a| s.structure_len(a, &path))?;
    env.on_state(|s, a| s.set_element(a, &path, &key, &value))?;
    charge_growth(env, &mut store, &path, before)
}

fn set_insert<S: ContractState>(mut ctx: Ctx<'_, S>, h: i32, ptr: i32, len: i32) -> Op<i32> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let (path, member, path_key) = keyed(
        env,
        &mut store,
        ("set_insert", set),
        h,
        (ptr, len),
        gas::ELEMENT_WRITE_BYTE,
    )?;
    charge_write(env, &mut store, &path, &path_key)?;
    let added = env.on_state(|s, a| s.insert(a, &path, &member))?;
    if added {
        charge(env, &mut store, gas::ELEMENT_NEW)?;
    }
    Ok(added.into())
}

/// Which lists an operation applies to.
#[derive(Clone, Copy)]
enum Lists {
    Any,
    OfBytes,
    OfStructures,
}

/// The handle's structure, which must be a list of the kind `lists` says.
fn list<S: ContractState>(
    env: &mut Env<S>,
    op: &str,
    h: i32,
    lists: Lists,
) -> Op<(StructurePath, Structure)> {
    let (path, kind) = env.handles.get(h)?;
    match (&kind, lists) {
        (Structure::List(_), Lists::Any)
        | (Structure::List(Element::Bytes), Lists::OfBytes)
        | (Structure::List(Element::Structure(_)), Lists::OfStructures) => Ok((path, kind)),
        _ => Err(kind_trap(op, &kind)),
    }
}

fn list_get<S: ContractState>(mut ctx: Ctx<'_, S>, h: i32, i: i64, out: i32, cap: i32) -> Op<i64> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let (path, _) = list(env, "list_get", h, Lists::OfBytes)?;
    span(env, &store, out, cap)?;
    let len = env.on_state(|s, a| s.structure_len(a, &path))?;
    if i < 0 || i as u64 >= len {
        return Ok(-1);
    }
    let key = PathKey::Index(index(i)?);
    charge_read(env, &mut store, &path, Probe::Key(&key))?;
    match env.on_state(|s, a| s.element(a, &path, &key))? {
        None => Ok(-1),
        Some(v) => give(env, &mut store, &v, out, cap),
    }
}

fn list_set<S: ContractState>(
    mut ctx: Ctx<'_, S>,
    h: i32,
    i: i64,
    value_ptr: i32,
    value_len: i32,
) -> Op<()> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let (path, _) = list(env, "list_set", h, Lists::OfBytes)?;
    let len = env.on_state(|s, a| s.structure_len(a, &path))?;
    if i < 0 || i as u64 >= len {
        return Err(bad(format!(
            "index {i} is outside the list's {len} elements"
        )));
    }
    let value = take(
        env,
        &mut store,
        (value_ptr, value_len),
        MAX_VALUE_BYTES,
        gas::ELEMENT_WRITE_BYTE,
        "a value",
    )?;
    let key = PathKey::Index(index(i)?);
    charge_write(env, &mut store, &path, &key)?;
    env.on_state(|s, a| s.set_element(a, &path, &key, &value))
}

/// The key of the list at `path`'s next element (at its length).
fn end_key<S: ContractState>(env: &mut Env<S>, path: &StructurePath) -> Op<PathKey> {
    let len = env.on_state(|s, a| s.structure_len(a, path))?;
    let i = index(len as i64).map_err(|_| bad("the list is full"))?;
    Ok(PathKey::Index(i))
}

fn list_push<S: ContractState>(
    mut ctx: Ctx<'_, S>,
    h: i32,
    value_ptr: i32,
    value_len: i32,
) -> Op<i64> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let (path, _) = list(env, "list_push", h, Lists::OfBytes)?;
    let value = take(
        env,
        &mut store,
        (value_ptr, value_len),
        MAX_VALUE_BYTES,
        gas::ELEMENT_WRITE_BYTE,
        "a value",
    )?;
    let end = end_key(env, &path)?;
    charge_write(env, &mut store, &path, &end)?;
    charge(env, &mut store, gas::ELEMENT_NEW)?;
    let i = env.on_state(|s, a| s.push(a, &path, &value))?;
    Ok(i as i64)
}

fn list_push_structure<S: ContractState>(mut ctx: Ctx<'_, S>, h: i32) -> Op<i32> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let (path, kind) = list(env, "list_push_structure", h, Lists::OfStructures)?;
    let inner = kind
        .nested()
        .cloned()
        .ok_or_else(|| kind_trap("list_push_structure", &kind))?;
    let end = end_key(env, &path)?;
    charge_write(env, &mut store, &path, &end)?;
    charge(env, &mut store, gas::ELEMENT_NEW)?;
    // The new element's handle needs room in the table: checked first.
    let len = env.on_state(|s, a| s.structure_len(a, &path))?;
    let child = path.child(PathKey::Index(len as u32));
    env.handles.room(&child)?;
    let i = env.on_state(|s, a| s.push_structure(a, &path))?;
    let child = path.child(PathKey::Index(i as u32));
    // A new structure: nothing of it is read from the database.
    env.touched.structures_opened.insert(child.clone());
    env.handles.add(child, inner)
}

fn list_pop<S: ContractState>(mut ctx: Ctx<'_, S>, h: i32) -> Op<i32> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let (path, _) = list(env, "list_pop", h, Lists::Any)?;
    let len = env.on_state(|s, a| s.structure_len(a, &path))?;
    if len == 0 {
        return Ok(0);
    }
    charge_write(env, &mut store, &path, &PathKey::Index((len - 1) as u32))?;
    Ok(env.on_state(|s, a| s.pop(a, &path))?.into())
}

/// An ordered query of a sorted set: the bound at (ptr, len), the member
/// found, handed to (out, cap).
fn sorted<S: ContractState>(
    mut ctx: Ctx<'_, S>,
    op: &str,
    h: i32,
    bound: (i32, i32),
    (out, cap): (i32, i32),
    forward: bool,
) -> Op<i64> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let (path, kind) = env.handles.get(h)?;
    if kind != Structure::SortedSet {
        return Err(kind_trap(op, &kind));
    }
    let bound = take(
        env,
        &mut store,
        bound,
        MAX_CURSOR_BYTES,
        gas::ELEMENT_READ_BYTE,
        "a bound",
    )?;
    span(env, &store, out, cap)?;
    charge_read(env, &mut store, &path, Probe::Trie(&bound))?;
    let found = if forward {
        env.on_state(|s, a| s.next_member(a, &path, &bound))?
    } else {
        env.on_state(|s, a| s.prev_member(a, &path, &bound))?
    };
    let Some(member) = found else {
        return Ok(-1);
    };
    charge_read(env, &mut store, &path, Probe::Trie(&member))?;
    give(env, &mut store, &member, out, cap)
}

fn sorted_next<S: ContractState>(
    ctx: Ctx<'_, S>,
    h: i32,
    ptr: i32,
    len: i32,
    out: i32,
    cap: i32,
) -> Op<i64> {
    sorted(ctx, "sorted_next", h, (ptr, len), (out, cap), true)
}

fn sorted_prev<S: ContractState>(
    ctx: Ctx<'_, S>,
    h: i32,
    ptr: i32,
    len: i32,
    out: i32,
    cap: i32,
) -> Op<i64> {
    sorted(ctx, "sorted_prev", h, (ptr, len), (out, cap), false)
}

/// The host function of structure vmcall `name`, if it is one.
pub(crate) fn vmcall<S: ContractState>(
    store: &mut Store,
    env: &FunctionEnv<Env<S>>,
    name: &str,
) -> Option<Function> {
    Some(match name {
        "struct_open" => Function::new_typed_with_env(store, env, struct_open::<S>),
        "struct_open_key" => Function::new_typed_with_env(store, env, struct_open_key::<S>),
        "struct_open_index" => Function::new_typed_with_env(store, env, struct_open_index::<S>),
        "struct_len" => Function::new_typed_with_env(store, env, struct_len::<S>),
        "struct_clear" => Function::new_typed_with_env(store, env, struct_clear::<S>),
        "struct_contains" => Function::new_typed_with_env(store, env, struct_contains::<S>),
        "struct_remove" => Function::new_typed_with_env(store, env, struct_remove::<S>),
        "struct_entry" => Function::new_typed_with_env(store, env, struct_entry::<S>),
        "map_get" => Function::new_typed_with_env(store, env, map_get::<S>),
        "map_set" => Function::new_typed_with_env(store, env, map_set::<S>),
        "set_insert" => Function::new_typed_with_env(store, env, set_insert::<S>),
        "list_get" => Function::new_typed_with_env(store, env, list_get::<S>),
        "list_set" => Function::new_typed_with_env(store, env, list_set::<S>),
        "list_push" => Function::new_typed_with_env(store, env, list_push::<S>),
        "list_push_structure" => Function::new_typed_with_env(store, env, list_push_structure::<S>),
        "list_pop" => Function::new_typed_with_env(store, env, list_pop::<S>),
        "sorted_next" => Function::new_typed_with_env(store, env, sorted_next::<S>),
        "sorted_prev" => Function::new_typed_with_env(store, env, sorted_prev::<S>),
        _ => return None,
    })
}
