//! Background work: a model thread (load, generate) and one-off threads (files, corpora,
//! training), all reporting over one channel and waking the UI with `request_repaint`.

use super::error::GuiError;
use crate::model::artifact::{ModelArtifact, ModelCard};
use crate::model::backend::{self, BackendChoice, ChosenDevice};
use crate::music::Melody;
use crate::sampling::{self, Generated, SamplerConfig};
use eframe::egui;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Instant;

/// The loaded model, as the UI shows it.
#[derive(Clone, Debug)]
pub struct ModelInfo {
    /// Its folder.
    pub dir: PathBuf,
    /// Folder name.
    pub name: String,
    /// "1×256 LSTM, 38 symbols".
    pub shape: String,
    /// The device generation runs on.
    pub backend: String,
    /// True when that device is a GPU.
    pub is_gpu: bool,
    /// How it was trained.
    pub card: ModelCard,
}

/// A generation to run.
#[derive(Clone, Debug)]
pub struct GenerateRequest {
    /// The primer (may be empty).
    pub primer: Melody,
    /// Sampler settings.
    pub config: SamplerConfig,
    /// Document step where the continuation begins.
    pub anchor: u32,
    /// For "regenerate from here": the step from which the document is replaced on Keep.
    pub replace_from: Option<u32>,
    /// For "Fill selection": the primer's steps `(start, end)` to rewrite; the primer is
    /// then the whole document from step 0.
    pub fill: Option<(u32, u32)>,
}

/// A result from a background job.
pub enum Msg {
    /// A model finished loading (or failed).
    ModelLoaded(Result<ModelInfo, GuiError>),
    /// A generation finished.
    Generated {
        /// What was asked.
        request: GenerateRequest,
        /// The melodies, or why not.
        result: Result<Vec<Generated>, GuiError>,
        /// Wall time in milliseconds.
        millis: f64,
    },
    /// Anything else: a closure that applies itself to the app.
    Apply(Box<dyn FnOnce(&mut super::app::LstmuseApp) + Send>),
}

enum ModelJob {
    Load(PathBuf),
    Generate(Box<GenerateRequest>),
}

/// The job system: owns the model thread and the result channel.
pub struct Jobs {
    tx: Sender<Msg>,
    rx: Receiver<Msg>,
    model_tx: Sender<ModelJob>,
    ctx: egui::Context,
    /// Jobs sent and not yet answered.
    pub pending: usize,
}

impl Jobs {
    /// Starts the model thread.
    pub fn new(ctx: egui::Context) -> Jobs {
        let (tx, rx) = channel();
        let (model_tx, model_rx) = channel::<ModelJob>();
        let out = tx.clone();
        let wake = ctx.clone();
        std::thread::Builder::new()
            .name("lstmuse-model".into())
            .spawn(move || model_thread(model_rx, out, wake))
            .ok();
        Jobs {
            tx,
            rx,
            model_tx,
            ctx,
            pending: 0,
        }
    }

    /// Loads a model folder (replacing the current model when it succeeds).
    pub fn load_model(&mut self, dir: PathBuf) {
        self.pending += 1;
        if self.model_tx.send(ModelJob::Load(dir)).is_err() {
            self.pending -= 1;
        }
    }

    /// Generates on the model thread.
    pub fn generate(&mut self, request: GenerateRequest) {
        self.pending += 1;
        if self
            .model_tx
            .send(ModelJob::Generate(Box::new(request)))
            .is_err()
        {
            self.pending -= 1;
        }
    }

    /// Runs `work` on its own thread; its message comes back through [`Jobs::poll`].
    pub fn spawn(&mut self, name: &str, work: impl FnOnce() -> Msg + Send + 'static) {
        self.pending += 1;
        let tx = self.tx.clone();
        let ctx = self.ctx.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("lstmuse-{name}"))
            .spawn(move || {
                // A bug in a job must not leave the app waiting forever: report it instead.
                let msg = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                    .unwrap_or_else(|panic| {
                        let why = panic_message(&panic);
                        done(move |app| {
                            app.error(format!("internal error in a background job: {why}"))
                        })
                    });
                let _ = tx.send(msg);
                ctx.request_repaint();
            });
        if spawned.is_err() {
            self.pending -= 1;
        }
    }

    /// A sender for long jobs that report several times (training, fetch); each message
    /// should be followed by `ctx.request_repaint()`. Messages from it do not count in `pending`.
    pub fn sender(&self) -> (Sender<Msg>, egui::Context) {
        (self.tx.clone(), self.ctx.clone())
    }

    /// Messages that arrived since the last call.
    pub fn poll(&mut self) -> Vec<Msg> {
        let msgs: Vec<Msg> = self.rx.try_iter().collect();
        for m in &msgs {
            if !matches!(m, Msg::Apply(_)) {
                self.pending = self.pending.saturating_sub(1);
            }
        }
        msgs
    }
}

/// Wraps a closure result from [`Jobs::spawn`] so that it counts as answered.
pub fn done(apply: impl FnOnce(&mut super::app::LstmuseApp) + Send + 'static) -> Msg {
    Msg::Apply(Box::new(move |app: &mut super::app::LstmuseApp| {
        app.jobs.pending = app.jobs.pending.saturating_sub(1);
        apply(app);
    }))
}

/// The text of a caught panic.
fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

fn model_thread(rx: Receiver<ModelJob>, tx: Sender<Msg>, ctx: egui::Context) {
    let mut device: Option<ChosenDevice> = None;
    let mut model: Option<ModelArtifact> = None;
    while let Ok(job) = rx.recv() {
        let dev = device.get_or_insert_with(|| {
            backend::choose(BackendChoice::Auto).unwrap_or_else(|_| backend::cpu())
        });
        let msg = match job {
            ModelJob::Load(dir) => match ModelArtifact::load(&dir, &dev.device) {
                Ok(a) => {
                    let info = ModelInfo {
                        name: dir.file_name().map_or_else(
                            || dir.display().to_string(),
                            |n| n.to_string_lossy().into(),
                        ),
                        dir: dir.clone(),
                        shape: format!(
                            "{}×{} LSTM, {} symbols",
                            a.config.model.layers,
                            a.config.model.hidden_size,
                            a.vocab.len()
                        ),
                        backend: dev.name.clone(),
                        is_gpu: dev.is_gpu,
                        card: a.card.clone(),
                    };
                    model = Some(a);
                    Msg::ModelLoaded(Ok(info))
                }
                Err(error) => Msg::ModelLoaded(Err(GuiError::ModelLoad { dir, error })),
            },
            ModelJob::Generate(request) => {
                let t = Instant::now();
                let result = match &model {
                    None => Err(GuiError::NoModel),
                    Some(a) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        match request.fill {
                            Some((start, end)) => sampling::fill(
                                &a.model,
                                &a.config.model,
                                &a.vocab,
                                &request.primer,
                                start as usize..end as usize,
                                &request.config,
                                &dev.device,
                            ),
                            None => sampling::generate(
                                &a.model,
                                &a.config.model,
                                &a.vocab,
                                &request.primer,
                                &request.config,
                                &dev.device,
                            ),
                        }
                    }))
                    .map_err(|p| GuiError::Panicked(panic_message(&p)))
                    .and_then(|r| r.map_err(GuiError::from)),
                };
                Msg::Generated {
                    request: *request,
                    result,
                    millis: t.elapsed().as_secs_f64() * 1e3,
                }
            }
        };
        if tx.send(msg).is_err() {
            break;
        }
        ctx.request_repaint();
    }
}
