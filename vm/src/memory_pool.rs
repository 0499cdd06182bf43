//! Contract memories from a pool of address-space reservations.
//!
//! Every frame instantiates its contract, and wasmer gives each instance a
//! linear memory of the static style: 8 GiB of address space reserved with
//! `mmap` (the 4 GiB a wasm32 address reaches plus a 4 GiB guard, so the
//! compiled code needs no bounds checks), its first pages made accessible,
//! and all of it unmapped when the instance goes. Per token transfer that
//! was an `mmap`, an `mprotect`, page faults on every page touched, and an
//! `munmap` whose TLB flush interrupts the other core: about 40% of a block
//! of transfers was spent in the kernel.
//!
//! [`PooledTunables`] hands out reservations from a pool instead. A memory
//! given back is zeroed (written over while small, returned to the kernel
//! with `MADV_DONTNEED` when large) and made inaccessible beyond what the
//! next user asks for, so an instance always starts from zeroed memory of
//! exactly its declared size, with the same guard layout, as wasm requires:
//! nothing a contract can observe differs, including out-of-bounds traps.
//! At most [`POOL`] reservations are kept; one more is unmapped.

#[cfg(unix)]
mod imp {
    use std::ptr::NonNull;
    use std::sync::{Arc, Mutex};

    use wasmer::sys::vm::{
        LinearMemory, MemoryError, MemoryStyle, VMMemory, VMMemoryDefinition, VMTable,
        VMTableDefinition,
    };
    use wasmer::sys::{BaseTunables, Tunables};
    use wasmer::{MemoryType, Pages, TableStyle, TableType};

    /// Reservations kept for reuse: enough for a transaction's deepest
    /// calls (8 frames) on a few threads at once.
    pub(crate) const POOL: usize = 32;

    /// Given back memories up to this many accessible bytes are zeroed by
    /// writing; larger ones are returned to the kernel (so the pool keeps at
    /// most this much resident per reservation).
    const ZERO_BY_WRITING: usize = 1 << 20;

    /// The size of a static-style reservation: the wasm32 address space
    /// and its offset guard.
    fn reservation_bytes() -> usize {
        let bytes =
            MemoryStyle::static_bound().bytes().0 as u64 + MemoryStyle::Static.offset_guard_size();
        usize::try_from(bytes).unwrap_or(usize::MAX)
    }

    /// One reservation: `len` bytes of address space, the first
    /// `accessible` readable and writable (and zero), the rest inaccessible.
    struct Region {
        base: NonNull<u8>,
        len: usize,
        accessible: usize,
    }

    // SAFETY: a region is plain address space owned by one memory (or the
    // pool) at a time.
    unsafe impl Send for Region {}

    impl Region {
        fn reserve(len: usize) -> Result<Self, MemoryError> {
            // SAFETY: a fresh private anonymous mapping with no access.
            let p = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_NONE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                    -1,
                    0,
                )
            };
            if p == libc::MAP_FAILED {
                return Err(MemoryError::Region(format!(
                    "reserving {len} bytes of address space: {}",
                    std::io::Error::last_os_error()
                )));
            }
            let base = NonNull::new(p.cast::<u8>())
                .ok_or_else(|| MemoryError::Region("mmap returned null".into()))?;
            Ok(Region {
                base,
                len,
                accessible: 0,
            })
        }

        /// Makes exactly the first `bytes` accessible.
        fn set_accessible(&mut self, bytes: usize) -> Result<(), MemoryError> {
            if bytes > self.len {
                return Err(MemoryError::Region(format!(
                    "{bytes} bytes do not fit a reservation of {}",
                    self.len
                )));
            }
            let (from, to, prot) = if bytes > self.accessible {
                (self.accessible, bytes, libc::PROT_READ | libc::PROT_WRITE)
            } else {
                // What stops being accessible is zeroed first: whoever
                // grows into it later must find zeros.
                if !self.zero(bytes, self.accessible) {
                    return Err(MemoryError::Region(format!(
                        "zeroing: {}",
                        std::io::Error::last_os_error()
                    )));
                }
                (bytes, self.accessible, libc::PROT_NONE)
            };
            if to > from {
                // SAFETY: [from, to) lies inside this reservation.
                let rc =
                    unsafe { libc::mprotect(self.base.as_ptr().add(from).cast(), to - from, prot) };
                if rc != 0 {
                    return Err(MemoryError::Region(format!(
                        "mprotect: {}",
                        std::io::Error::last_os_error()
                    )));
                }
            }
            self.accessible = bytes;
            Ok(())
        }

        /// Zeroes the accessible bytes [from, to); false if that failed
        /// (the region must then not be reused).
        fn zero(&mut self, from: usize, to: usize) -> bool {
            let to = to.min(self.accessible);
            if to <= from {
                return true;
            }
            // SAFETY: [from, to) lies in the accessible (writable) part.
            let start = unsafe { self.base.as_ptr().add(from) };
            if to - from <= ZERO_BY_WRITING {
                // SAFETY: as above.
                unsafe { std::ptr::write_bytes(start, 0, to - from) };
                true
            } else {
                // SAFETY: as above; DONTNEED on a private anonymous mapping
                // makes the next access read zeros. `from` is page-aligned
                // (a multiple of the wasm page size).
                unsafe { libc::madvise(start.cast(), to - from, libc::MADV_DONTNEED) == 0 }
            }
        }
    }

    impl Drop for Region {
        fn drop(&mut self) {
            // SAFETY: the whole reservation, mapped in `reserve`.
            unsafe { libc::munmap(self.base.as_ptr().cast(), self.len) };
        }
    }

    /// Reservations waiting for a memory.
    #[derive(Default)]
    struct Pool {
        free: Mutex<Vec<Region>>,
    }

    impl Pool {
        fn take(&self) -> Result<Region, MemoryError> {
            let reused = self.free.lock().unwrap_or_else(|e| e.into_inner()).pop();
            match reused {
                Some(r) => Ok(r),
                None => Region::reserve(reservation_bytes()),
            }
        }

        fn give_back(&self, mut region: Region) {
            if !region.zero(0, region.accessible) {
                return;
            }
            let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
            if free.len() < POOL {
                free.push(region);
            }
        }
    }

    /// wasmer's default tunables, with instance memories of the static
    /// style taken from a pool of reservations.
    pub(crate) struct PooledTunables {
        base: BaseTunables,
        pool: Arc<Pool>,
    }

    impl PooledTunables {
        pub(crate) fn new() -> Self {
            PooledTunables {
                base: BaseTunables::new(),
                pool: Arc::default(),
            }
        }
    }

    impl Tunables for PooledTunables {
        fn memory_style(&self, memory: &MemoryType) -> MemoryStyle {
            self.base.memory_style(memory)
        }

        fn table_style(&self, table: &TableType) -> TableStyle {
            self.base.table_style(table)
        }

        fn create_host_memory(
            &self,
            ty: &MemoryType,
            style: &MemoryStyle,
        ) -> Result<VMMemory, MemoryError> {
            self.base.create_host_memory(ty, style)
        }

        unsafe fn create_vm_memory(
            &self,
            ty: &MemoryType,
            style: &MemoryStyle,
            vm_definition_location: NonNull<VMMemoryDefinition>,
        ) -> Result<VMMemory, MemoryError> {
            if *style != MemoryStyle::Static || ty.shared {
                // SAFETY: the caller's guarantee, passed on.
                return unsafe {
                    self.base
                        .create_vm_memory(ty, style, vm_definition_location)
                };
            }
            // SAFETY: the caller's guarantee: the location is the
            // instance's own definition, valid while the memory lives.
            let memory = unsafe { PooledMemory::new(&self.pool, ty, vm_definition_location)? };
            Ok(VMMemory(Box::new(memory)))
        }

        fn create_host_table(&self, ty: &TableType, style: &TableStyle) -> Result<VMTable, String> {
            self.base.create_host_table(ty, style)
        }

        unsafe fn create_vm_table(
            &self,
            ty: &TableType,
            style: &TableStyle,
            vm_definition_location: NonNull<VMTableDefinition>,
        ) -> Result<VMTable, String> {
            // SAFETY: the caller's guarantee, passed on.
            unsafe { self.base.create_vm_table(ty, style, vm_definition_location) }
        }
    }

    /// An instance's linear memory in a pooled reservation.
    struct PooledMemory {
        region: Option<Region>,
        pool: Arc<Pool>,
        /// The instance's definition (base and length) the code reads.
        definition: NonNull<VMMemoryDefinition>,
        size: Pages,
        ty: MemoryType,
    }

    impl std::fmt::Debug for PooledMemory {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("PooledMemory")
                .field("size", &self.size)
                .field("ty", &self.ty)
                .finish()
        }
    }

    // SAFETY: as wasmer's own memories: the definition belongs to the
    // instance owning this memory, which moves between threads with it.
    unsafe impl Send for PooledMemory {}
    // SAFETY: as above; mutation goes through `&mut self`.
    unsafe impl Sync for PooledMemory {}

    impl PooledMemory {
        /// # Safety
        /// `definition` must be the instance's memory definition, valid for
        /// as long as this memory.
        unsafe fn new(
            pool: &Arc<Pool>,
            ty: &MemoryType,
            mut definition: NonNull<VMMemoryDefinition>,
        ) -> Result<Self, MemoryError> {
            if ty.minimum > Pages::max_value() {
                return Err(MemoryError::MinimumMemoryTooLarge {
                    min_requested: ty.minimum,
                    max_allowed: Pages::max_value(),
                });
            }
            if let Some(max) = ty.maximum {
                if max > Pages::max_value() {
                    return Err(MemoryError::MaximumMemoryTooLarge {
                        max_requested: max,
                        max_allowed: Pages::max_value(),
                    });
                }
                if max < ty.minimum {
                    return Err(MemoryError::InvalidMemory {
                        reason: format!(
                            "the maximum ({} pages) is less than the minimum ({} pages)",
                            max.0, ty.minimum.0
                        ),
                    });
                }
            }
            let mut region = pool.take()?;
            let bytes = ty.minimum.bytes().0;
            if let Err(e) = region.set_accessible(bytes) {
                pool.give_back(region);
                return Err(e);
            }
            // SAFETY: the caller's guarantee.
            let d = unsafe { definition.as_mut() };
            d.base = region.base.as_ptr();
            d.current_length = bytes;
            Ok(PooledMemory {
                region: Some(region),
                pool: pool.clone(),
                definition,
                size: ty.minimum,
                ty: *ty,
            })
        }

        fn set_length(&mut self, pages: Pages) {
            self.size = pages;
            // SAFETY: the instance's definition, valid while we live.
            unsafe { self.definition.as_mut().current_length = pages.bytes().0 };
        }
    }

    impl LinearMemory for PooledMemory {
        fn ty(&self) -> MemoryType {
            MemoryType {
                minimum: self.size,
                ..self.ty
            }
        }

        fn size(&self) -> Pages {
            self.size
        }

        fn style(&self) -> MemoryStyle {
            MemoryStyle::Static
        }

        fn grow(&mut self, delta: Pages) -> Result<Pages, MemoryError> {
            let previous = self.size;
            if delta.0 == 0 {
                return Ok(previous);
            }
            let refused = MemoryError::CouldNotGrow {
                current: previous,
                attempted_delta: delta,
            };
            let Some(new) = previous.checked_add(delta) else {
                return Err(refused);
            };
            if new > Pages::max_value() || self.ty.maximum.is_some_and(|m| new > m) {
                return Err(refused);
            }
            let Some(region) = self.region.as_mut() else {
                return Err(refused);
            };
            region.set_accessible(new.bytes().0)?;
            self.set_length(new);
            Ok(previous)
        }

        fn grow_at_least(&mut self, min_size: u64) -> Result<(), MemoryError> {
            let current = self.size.bytes().0 as u64;
            if current < min_size {
                let pages = (min_size - current).div_ceil(Pages(1).bytes().0 as u64);
                let delta = u32::try_from(pages).map_err(|_| MemoryError::CouldNotGrow {
                    current: self.size,
                    attempted_delta: Pages(u32::MAX),
                })?;
                self.grow(Pages(delta))?;
            }
            Ok(())
        }

        fn reset(&mut self) -> Result<(), MemoryError> {
            if let Some(region) = self.region.as_mut() {
                region.set_accessible(0)?;
            }
            self.set_length(Pages(0));
            Ok(())
        }

        fn vmmemory(&self) -> NonNull<VMMemoryDefinition> {
            self.definition
        }

        fn try_clone(&self) -> Result<Box<dyn LinearMemory + Send + Sync + 'static>, MemoryError> {
            Err(MemoryError::MemoryNotShared)
        }

        fn copy(&self) -> Result<Box<dyn LinearMemory + Send + Sync + 'static>, MemoryError> {
            Err(MemoryError::UnsupportedOperation {
                message: "contract memories are not copied".into(),
            })
        }
    }

    impl Drop for PooledMemory {
        fn drop(&mut self) {
            if let Some(region) = self.region.take() {
                self.pool.give_back(region);
            }
        }
    }
}

#[cfg(unix)]
pub(crate) use imp::PooledTunables;
