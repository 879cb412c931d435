//! Seeded draws from Burn's random generator, made atomic: the CPU backend keeps one
//! generator for the whole process, so a seed and the draws after it are taken under one lock.

use crate::model::{MelodyLstm, MelodyLstmConfig};
use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Held while a thread seeds Burn's generator and draws from it.
static DRAWS: Mutex<()> = Mutex::new(());

/// While this lives, the thread that made it is the only one seeding or drawing from Burn's
/// random generator through this module.
#[must_use = "the draws are only protected while the guard lives"]
pub struct SeededDraws {
    _lock: MutexGuard<'static, ()>,
}

/// Seeds `device`'s random generator with `seed` and keeps every other seeded sequence in
/// this process waiting until the guard is dropped: the same seed gives the same tensors,
/// however many trainings or tests run beside it.
///
/// Burn's `flex` backend keeps a single generator for the process: a second thread's
/// `Device::seed`, or its draw, between our seed and our draws would change our weights.
/// Every place that seeds the generator goes through here (a whole model:
/// [`MelodyLstmConfig::init_seeded`]), and loading a model draws nothing
/// ([`MelodyLstmConfig::init_for_load`]).
pub fn seed_draws(device: &Device, seed: u64) -> SeededDraws {
    let guard = DRAWS.lock().unwrap_or_else(PoisonError::into_inner);
    device.seed(seed);
    SeededDraws { _lock: guard }
}

impl MelodyLstmConfig {
    /// [`init`](MelodyLstmConfig::init) with `seed`, every weight drawn now (Burn would draw
    /// most on first use, after the lock is gone): the same seed gives the same model in any
    /// process, whatever else runs in it.
    pub fn init_seeded(&self, device: &Device, seed: u64) -> MelodyLstm {
        let _draws = seed_draws(device, seed);
        let model = self.init(device);
        model.visit(&mut DrawNow);
        model
    }
}

/// Visits every weight so that a lazily initialised one is drawn now.
struct DrawNow;

impl ModuleVisitor for DrawNow {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let _ = param.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Distribution;

    /// Every weight of `model`, in the order the module declares them.
    fn values(model: &MelodyLstm) -> Vec<f32> {
        struct Collect(Vec<f32>);
        impl ModuleVisitor for Collect {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                self.0.extend(param.val().into_data().iter::<f32>());
            }
        }
        let mut collect = Collect(Vec::new());
        model.visit(&mut collect);
        collect.0
    }

    fn config() -> MelodyLstmConfig {
        MelodyLstmConfig::new(9)
            .with_hidden_size(8)
            .with_layers(2)
            .with_embedding_size(4)
    }

    #[test]
    fn one_seed_gives_one_model_while_other_threads_seed_and_draw() {
        let device = Device::flex();
        let reference = values(&config().init_seeded(&device, 42));
        std::thread::scope(|s| {
            for t in 0..3u64 {
                let (device, reference) = (&device, &reference);
                s.spawn(move || {
                    for i in 0..30 {
                        let other = config().init_seeded(device, 1000 * t + i);
                        assert_ne!(&values(&other), reference);
                        let again = config().init_seeded(device, 42);
                        assert_eq!(&values(&again), reference, "thread {t}, round {i}");
                    }
                });
            }
        });
    }

    #[test]
    fn loading_a_model_draws_nothing() {
        let device = Device::flex();
        let draw = || Tensor::<1>::random([32], Distribution::Default, &device);
        let _draws = seed_draws(&device, 3);
        let expected = draw().into_data();
        device.seed(3);
        let skeleton = config().init_for_load(&device);
        assert!(values(&skeleton).iter().all(|v| *v == 0.0 || *v == 1.0));
        assert_eq!(draw().into_data(), expected);
    }
}
