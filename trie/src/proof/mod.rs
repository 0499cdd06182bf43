//! Proofs that light clients and syncing nodes check against a root.
