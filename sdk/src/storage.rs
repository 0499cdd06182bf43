//! Typed storage: a contract's variables ([`Var`]) and structures
//! ([`List`], [`Map`], [`Set`], [`SortedSet`], nested to 8 levels), each
//! a view of one variable or element; reading or writing one is a vmcall.

use alloc::vec::Vec;
use core::marker::PhantomData;

use crate::codec::{Fixed, Key, Value};
use crate::layout::{Descriptor, Slot};
use crate::sys;

/// A type a `#[svm_sdk::storage]` declaration may give a variable: a
/// [`Fixed`] value or a structure. The declaration's accessors return
/// [`Field::Accessor`].
pub trait Field {
    /// What the declaration's accessor returns.
    type Accessor;
    /// The variable's entry in the layout.
    const SLOT: Slot;
    /// The accessor of variable `var`.
    fn accessor(var: u32) -> Self::Accessor;
}

/// A structure element type: bytes (a [`Value`]) or a nested structure.
pub trait Element {
    /// The element's descriptor (`0x00` for bytes).
    const ELEMENT: Descriptor;
}

/// A structure type that can nest inside another.
pub trait Structure: Sized {
    /// Its kind descriptor.
    const KIND: Descriptor;
    /// The structure behind an open handle.
    #[doc(hidden)]
    fn from_handle(h: u32) -> Self;
}

/// A fixed-size variable of type `T`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Var<T> {
    var: u32,
    _t: PhantomData<T>,
}

impl<T: Fixed> Var<T> {
    /// Variable `var` (its layout entry must be `T`'s size; the storage
    /// declaration guarantees it).
    pub const fn new(var: u32) -> Self {
        Var {
            var,
            _t: PhantomData,
        }
    }

    /// Its value (a fresh variable reads as all zero bytes).
    pub fn get(&self) -> T {
        T::load(self.var)
    }

    /// Sets it.
    pub fn set(&self, value: &T) {
        value.store(self.var)
    }

    /// Sets it to `f` of its value, returning the new value.
    pub fn update(&self, f: impl FnOnce(T) -> T) -> T {
        let v = f(self.get());
        self.set(&v);
        v
    }

    /// The variable's index in the layout.
    pub const fn index(&self) -> u32 {
        self.var
    }
}

macro_rules! fixed_fields {
    ($($t:ty),*) => {$(
        impl Field for $t {
            type Accessor = Var<$t>;
            const SLOT: Slot = Slot::Fixed(<$t as Fixed>::SIZE);
            fn accessor(var: u32) -> Var<$t> {
                Var::new(var)
            }
        }
        impl Element for $t {
            const ELEMENT: Descriptor = Descriptor::BYTES;
        }
    )*};
}

fixed_fields!(u8, u16, u32, u64, u128, i8, i16, i32, i64, i128, bool);

impl<const N: usize> Field for [u8; N] {
    type Accessor = Var<[u8; N]>;
    const SLOT: Slot = Slot::Fixed(<[u8; N] as Fixed>::SIZE);
    fn accessor(var: u32) -> Var<[u8; N]> {
        Var::new(var)
    }
}

impl<const N: usize> Element for [u8; N] {
    const ELEMENT: Descriptor = Descriptor::BYTES;
}

impl Element for Vec<u8> {
    const ELEMENT: Descriptor = Descriptor::BYTES;
}

impl Element for alloc::string::String {
    const ELEMENT: Descriptor = Descriptor::BYTES;
}

/// Reads a length-prefixed result: `f(out, cap)` returns the length (or -1
/// for none) and copies only if it fits; asked again with room if not.
fn read_sized(mut f: impl FnMut(*mut u8, u32) -> i64) -> Option<Vec<u8>> {
    let mut buf: Vec<u8> = Vec::with_capacity(64);
    let n = f(buf.as_mut_ptr(), buf.capacity() as u32);
    if n < 0 {
        return None;
    }
    let n = n as usize;
    if n > buf.capacity() {
        buf.reserve_exact(n);
        let again = f(buf.as_mut_ptr(), n as u32);
        if again as usize != n {
            crate::abort("a structure changed between two reads of one call");
        }
    }
    // SAFETY: the vmcall wrote n <= capacity bytes.
    unsafe { buf.set_len(n) };
    Some(buf)
}

fn decode<V: Value>(bytes: &[u8]) -> V {
    V::decode(bytes).unwrap_or_else(|| crate::abort("a stored element does not decode as its type"))
}

fn decode_key<K: Key>(bytes: &[u8]) -> K {
    K::decode_key(bytes).unwrap_or_else(|| crate::abort("a stored key does not decode as its type"))
}

/// One entry read by `struct_entry`: (next cursor, key, value).
fn entry(h: u32, cursor: &[u8]) -> Option<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    let raw = read_sized(|out, cap| {
        // SAFETY: the cursor is readable, out has cap writable bytes.
        unsafe { sys::struct_entry(h, cursor.as_ptr(), cursor.len() as u32, out, cap) }
    })?;
    let bad = || crate::abort("struct_entry returned a malformed entry");
    let (&next_len, rest) = raw.split_first().unwrap_or_else(bad);
    let next_len = usize::from(next_len);
    if rest.len() < next_len + 2 {
        bad();
    }
    let (next, rest) = rest.split_at(next_len);
    let key_len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
    let rest = &rest[2..];
    if rest.len() < key_len {
        bad();
    }
    let (key, value) = rest.split_at(key_len);
    Some((next.to_vec(), key.to_vec(), value.to_vec()))
}

fn len(h: u32) -> u64 {
    // SAFETY: a vmcall of plain integers.
    unsafe { sys::struct_len(h) }
}

/// Entries in trie order, one vmcall each.
struct Entries {
    h: u32,
    cursor: Option<Vec<u8>>,
}

impl Iterator for Entries {
    type Item = (Vec<u8>, Vec<u8>);
    fn next(&mut self) -> Option<Self::Item> {
        let cursor = self.cursor.take()?;
        let (next, key, value) = entry(self.h, &cursor)?;
        if !next.is_empty() {
            self.cursor = Some(next);
        }
        Some((key, value))
    }
}

fn entries(h: u32) -> Entries {
    Entries {
        h,
        cursor: Some(Vec::new()),
    }
}

macro_rules! structure_common {
    ($name:ident < $($p:ident),* >) => {
        impl<$($p),*> $name<$($p),*> {
            /// Elements, entries or members.
            pub fn len(&self) -> u64 {
                len(self.h)
            }

            /// Whether it has none.
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }

            /// Empties it (O(1): a fresh structure replaces it).
            pub fn clear(&self) {
                // SAFETY: a vmcall of plain integers.
                unsafe { sys::struct_clear(self.h) }
            }
        }

        impl<$($p),*> Structure for $name<$($p),*> where $name<$($p),*>: Kinded {
            const KIND: Descriptor = <Self as Kinded>::KIND;
            fn from_handle(h: u32) -> Self {
                $name { h, _t: PhantomData }
            }
        }

        impl<$($p),*> Element for $name<$($p),*> where $name<$($p),*>: Kinded {
            const ELEMENT: Descriptor = <Self as Kinded>::KIND;
        }

        impl<$($p),*> Field for $name<$($p),*> where $name<$($p),*>: Kinded {
            type Accessor = Self;
            const SLOT: Slot = Slot::Structure(<Self as Kinded>::KIND);
            fn accessor(var: u32) -> Self {
                // SAFETY: a vmcall of plain integers.
                let h = unsafe { sys::struct_open(var) };
                $name { h, _t: PhantomData }
            }
        }
    };
}

/// The descriptor of a structure type (the element types decide it).
#[doc(hidden)]
pub trait Kinded {
    const KIND: Descriptor;
}

/// A list of `T` (bytes values or nested structures), indexed `0..len`.
#[derive(Debug)]
pub struct List<T> {
    h: u32,
    _t: PhantomData<T>,
}

/// A map from `K` to `V` (bytes values or nested structures).
#[derive(Debug)]
pub struct Map<K, V> {
    h: u32,
    _t: PhantomData<(K, V)>,
}

/// A set of `K`.
#[derive(Debug)]
pub struct Set<K> {
    h: u32,
    _t: PhantomData<K>,
}

/// A set of `K` kept in key order (members of at most 64 bytes).
#[derive(Debug)]
pub struct SortedSet<K> {
    h: u32,
    _t: PhantomData<K>,
}

impl<T: Element> Kinded for List<T> {
    const KIND: Descriptor = Descriptor::list(T::ELEMENT);
}
impl<K: Key, V: Element> Kinded for Map<K, V> {
    const KIND: Descriptor = Descriptor::map(V::ELEMENT);
}
impl<K: Key> Kinded for Set<K> {
    const KIND: Descriptor = Descriptor::SET;
}
impl<K: Key> Kinded for SortedSet<K> {
    const KIND: Descriptor = Descriptor::SORTED_SET;
}

structure_common!(List<T>);
structure_common!(Map<K, V>);
structure_common!(Set<K>);
structure_common!(SortedSet<K>);

impl<T: Value> List<T> {
    /// Element `i`, or `None` past the end.
    pub fn get(&self, i: u64) -> Option<T> {
        read_sized(|out, cap| {
            // SAFETY: out has cap writable bytes.
            unsafe { sys::list_get(self.h, i, out, cap) }
        })
        .map(|b| decode(&b))
    }

    /// Sets element `i` (a trap if `i >= len`).
    pub fn set(&self, i: u64, value: &T) {
        let b = value.to_bytes();
        // SAFETY: b is readable.
        unsafe { sys::list_set(self.h, i, b.as_ptr(), b.len() as u32) }
    }

    /// Appends `value`; returns its index.
    pub fn push(&self, value: &T) -> u64 {
        let b = value.to_bytes();
        // SAFETY: b is readable.
        unsafe { sys::list_push(self.h, b.as_ptr(), b.len() as u32) }
    }

    /// Every element in order (one vmcall each).
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        (0..self.len()).map(move |i| {
            self.get(i)
                .unwrap_or_else(|| crate::abort("a list shrank while iterated"))
        })
    }
}

impl<T> List<T> {
    /// Removes the last element; `false` if the list was empty.
    pub fn pop(&self) -> bool {
        // SAFETY: a vmcall of plain integers.
        unsafe { sys::list_pop(self.h) == 1 }
    }
}

impl<T: Structure> List<T> {
    /// The structure at index `i` (a trap if `i >= len`).
    pub fn at(&self, i: u64) -> T {
        // SAFETY: a vmcall of plain integers.
        T::from_handle(unsafe { sys::struct_open_index(self.h, i) })
    }

    /// Appends an empty structure and returns it.
    pub fn push_new(&self) -> T {
        // SAFETY: a vmcall of plain integers.
        T::from_handle(unsafe { sys::list_push_structure(self.h) })
    }
}

impl<K: Key, V> Map<K, V> {
    /// Whether `key` has an entry (a map of structures: a non-empty one).
    pub fn contains(&self, key: &K) -> bool {
        let k = key.key_bytes();
        // SAFETY: k is readable.
        unsafe { sys::struct_contains(self.h, k.as_ptr(), k.len() as u32) == 1 }
    }

    /// Removes `key`'s entry; `true` if there was one.
    pub fn remove(&self, key: &K) -> bool {
        let k = key.key_bytes();
        // SAFETY: k is readable.
        unsafe { sys::struct_remove(self.h, k.as_ptr(), k.len() as u32) == 1 }
    }
}

impl<K: Key, V> Map<K, V> {
    /// Every key, in the order of their keccak256 hashes (one vmcall each;
    /// a map of structures lists its non-empty ones).
    pub fn keys(&self) -> impl Iterator<Item = K> {
        entries(self.h).map(|(k, _)| decode_key(&k))
    }
}

impl<K: Key, V: Value> Map<K, V> {
    /// The value at `key`, or `None`.
    pub fn get(&self, key: &K) -> Option<V> {
        let k = key.key_bytes();
        read_sized(|out, cap| {
            // SAFETY: k is readable, out has cap writable bytes.
            unsafe { sys::map_get(self.h, k.as_ptr(), k.len() as u32, out, cap) }
        })
        .map(|b| decode(&b))
    }

    /// Sets the value at `key`.
    pub fn set(&self, key: &K, value: &V) {
        let k = key.key_bytes();
        let v = value.to_bytes();
        // SAFETY: k and v are readable.
        unsafe {
            sys::map_set(
                self.h,
                k.as_ptr(),
                k.len() as u32,
                v.as_ptr(),
                v.len() as u32,
            )
        }
    }

    /// Every entry, in the order of the keys' keccak256 hashes (one vmcall
    /// each).
    pub fn iter(&self) -> impl Iterator<Item = (K, V)> {
        entries(self.h).map(|(k, v)| (decode_key(&k), decode(&v)))
    }
}

impl<K: Key, V: Structure> Map<K, V> {
    /// The structure at `key` (an empty one if absent).
    pub fn at(&self, key: &K) -> V {
        let k = key.key_bytes();
        // SAFETY: k is readable.
        V::from_handle(unsafe { sys::struct_open_key(self.h, k.as_ptr(), k.len() as u32) })
    }
}

macro_rules! membership {
    ($name:ident) => {
        impl<K: Key> $name<K> {
            /// Adds `member`; `true` if it was not there.
            pub fn insert(&self, member: &K) -> bool {
                let m = member.key_bytes();
                // SAFETY: m is readable.
                unsafe { sys::set_insert(self.h, m.as_ptr(), m.len() as u32) == 1 }
            }

            /// Whether `member` is there.
            pub fn contains(&self, member: &K) -> bool {
                let m = member.key_bytes();
                // SAFETY: m is readable.
                unsafe { sys::struct_contains(self.h, m.as_ptr(), m.len() as u32) == 1 }
            }

            /// Removes `member`; `true` if it was there.
            pub fn remove(&self, member: &K) -> bool {
                let m = member.key_bytes();
                // SAFETY: m is readable.
                unsafe { sys::struct_remove(self.h, m.as_ptr(), m.len() as u32) == 1 }
            }

            /// Every member (a set: in the order of their keccak256 hashes;
            /// a sorted set: in order), one vmcall each.
            pub fn iter(&self) -> impl Iterator<Item = K> {
                entries(self.h).map(|(k, _)| decode_key(&k))
            }
        }
    };
}

membership!(Set);
membership!(SortedSet);

impl<K: Key> SortedSet<K> {
    /// The first member `>= from`.
    pub fn next(&self, from: &K) -> Option<K> {
        let f = from.key_bytes();
        read_sized(|out, cap| {
            // SAFETY: f is readable, out has cap writable bytes.
            unsafe { sys::sorted_next(self.h, f.as_ptr(), f.len() as u32, out, cap) }
        })
        .map(|b| decode_key(&b))
    }

    /// The last member `<= to`.
    pub fn prev(&self, to: &K) -> Option<K> {
        let t = to.key_bytes();
        read_sized(|out, cap| {
            // SAFETY: t is readable, out has cap writable bytes.
            unsafe { sys::sorted_prev(self.h, t.as_ptr(), t.len() as u32, out, cap) }
        })
        .map(|b| decode_key(&b))
    }

    /// The smallest member.
    pub fn first(&self) -> Option<K> {
        read_sized(|out, cap| {
            // SAFETY: the empty bound; out has cap writable bytes.
            unsafe { sys::sorted_next(self.h, [].as_ptr(), 0, out, cap) }
        })
        .map(|b| decode_key(&b))
    }

    /// The largest member.
    pub fn last(&self) -> Option<K> {
        // Above every member: ff × 64 (members are at most 64 bytes).
        let top = [0xffu8; 65];
        read_sized(|out, cap| {
            // SAFETY: top is readable; out has cap writable bytes.
            unsafe { sys::sorted_prev(self.h, top.as_ptr(), top.len() as u32, out, cap) }
        })
        .map(|b| decode_key(&b))
    }
}
