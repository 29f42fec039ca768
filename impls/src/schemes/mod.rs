//! The reclamation schemes, one module each, and the run-time front that picks
//! one by its id.
//!
//! The list of schemes lives in one place, [`crate::for_each_scheme!`]: the
//! program, the tests and the benches all expand it, so a scheme added there
//! is listed, tested and measured everywhere, in one fixed order.

#[cfg(not(loom))]
pub mod epoch;
#[cfg(not(loom))]
pub mod haphazard;
pub mod hazard;
#[cfg(not(loom))]
pub mod hyaline;
pub mod keep;
pub mod rcu;
pub mod refcount;
pub mod srcu;
pub mod srcu_fast;

#[cfg(not(loom))]
pub use epoch::Epoch;
#[cfg(not(loom))]
pub use haphazard::Haphazard;
pub use hazard::Hazard;
#[cfg(not(loom))]
pub use hyaline::Hyaline;
pub use keep::Keep;
pub use rcu::Rcu;
pub use refcount::Refcount;
pub use srcu::SrcuScheme;
pub use srcu_fast::SrcuFast;

use crate::scheme::Scheme;

/// Expands `$callback! { id_ident => Type, ... }` once, with every scheme in
/// the fixed order connbench reports them in (under `--cfg loom`, only the
/// in-house ones: the crate-backed schemes use std's atomics).
///
/// Tests and benches use it to instantiate a generic body per scheme:
///
/// ```ignore
/// macro_rules! per_scheme { ($($name:ident => $ty:ty,)*) => { $( mod $name { ... } )* } }
/// connbench_impls::for_each_scheme!(per_scheme);
/// ```
#[macro_export]
macro_rules! for_each_scheme {
    ($callback:ident) => {
        $crate::__with_reference_schemes! { $callback;
            keep => $crate::schemes::Keep,
            srcu => $crate::schemes::SrcuScheme,
            srcu_fast => $crate::schemes::SrcuFast,
            rcu => $crate::schemes::Rcu,
            hazard => $crate::schemes::Hazard,
            refcount => $crate::schemes::Refcount,
        }
    };
}

/// Appends the crate-backed reference schemes to the in-house ones.
#[cfg(not(loom))]
#[doc(hidden)]
#[macro_export]
macro_rules! __with_reference_schemes {
    ($callback:ident; $($in_house:tt)*) => {
        $callback! {
            $($in_house)*
            epoch => $crate::schemes::Epoch,
            hyaline => $crate::schemes::Hyaline,
            haphazard => $crate::schemes::Haphazard,
        }
    };
}

/// Under loom only the in-house schemes: the crate-backed ones use std's
/// atomics, which loom cannot check.
#[cfg(loom)]
#[doc(hidden)]
#[macro_export]
macro_rules! __with_reference_schemes {
    ($callback:ident; $($in_house:tt)*) => {
        $callback! { $($in_house)* }
    };
}

/// A scheme's id and one line on how it reclaims.
#[derive(Clone, Copy, Debug)]
pub struct SchemeInfo {
    /// The id used on the command line and in result files.
    pub id: &'static str,
    /// One line on how the scheme reclaims.
    pub description: &'static str,
}

macro_rules! scheme_infos {
    ($($name:ident => $ty:ty,)*) => {
        /// Every scheme, in the fixed order.
        pub const SCHEMES: &[SchemeInfo] = &[
            $(SchemeInfo { id: <$ty as Scheme>::ID, description: <$ty as Scheme>::DESCRIPTION },)*
        ];

        /// Calls `visitor` with the scheme whose id is `id`.
        pub fn visit<V: SchemeVisitor>(id: &str, visitor: V) -> Result<V::Output, UnknownScheme> {
            $(if id == <$ty as Scheme>::ID {
                return Ok(visitor.visit::<$ty>());
            })*
            Err(UnknownScheme(id.to_owned()))
        }
    };
}
crate::for_each_scheme!(scheme_infos);

/// Code that runs generically over one scheme chosen at run time: the
/// type-erased front of the [`Scheme`] trait, which keeps the hot paths
/// monomorphised.
pub trait SchemeVisitor {
    /// What the visit returns.
    type Output;
    /// Runs with `S` as the scheme.
    fn visit<S: Scheme>(self) -> Self::Output;
}

/// An id that names no scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownScheme(pub String);

impl std::fmt::Display for UnknownScheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let known: Vec<_> = SCHEMES.iter().map(|s| s.id).collect();
        write!(
            f,
            "unknown scheme `{}` (known: {})",
            self.0,
            known.join(", ")
        )
    }
}

impl std::error::Error for UnknownScheme {}

/// How the scheme `id` runs in this process ([`Scheme::runtime_note`]), for
/// example whether the kernel allowed membarrier. Builds the scheme once.
pub fn runtime_note(id: &str) -> Result<String, UnknownScheme> {
    struct Note;
    impl SchemeVisitor for Note {
        type Output = String;
        fn visit<S: Scheme>(self) -> String {
            S::new().runtime_note()
        }
    }
    visit(id, Note)
}
