//! Background work: a model thread (load, generate) and one-off threads (files, corpora,
//! training), all reporting typed messages over one channel and waking the UI with
//! `request_repaint`. The part of the app that owns the state applies each message.

use super::dataset::DatasetMsg;
use super::error::GuiError;
use super::training_panel::TrainingMsg;
use crate::model::artifact::{ModelArtifact, ModelCard};
use crate::model::backend::{self, BackendChoice, ChosenDevice};
use crate::music::Melody;
use crate::sampling::{self, Generated, SamplerConfig};
use eframe::egui;
use std::collections::VecDeque;
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
    /// A melody file was read (for the seed).
    Opened {
        /// The file.
        path: PathBuf,
        /// Its melody, or why not.
        result: crate::error::Result<Melody>,
    },
    /// The system file dialog closed: the path chosen, if any.
    Browsed(Option<PathBuf>),
    /// For the dataset browser.
    Dataset(DatasetMsg),
    /// For the training panel.
    Training(TrainingMsg),
    /// A background job panicked: the panic's text.
    Panicked(String),
}

/// A message and whether it answers a job counted in [`Jobs::pending`].
struct Envelope {
    msg: Msg,
    answers_job: bool,
}

/// A job for the model thread.
enum ModelRequest {
    Load(PathBuf),
    Generate(Box<GenerateRequest>),
}

/// What a job sent to the model thread does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ModelTask {
    Load,
    Generate,
}

/// Sends progress from a long job (training, fetch) and wakes the UI; its messages do not
/// count in [`Jobs::pending`].
#[derive(Clone)]
pub struct Reporter {
    tx: Sender<Envelope>,
    ctx: egui::Context,
}

impl Reporter {
    /// Sends `msg` and asks for a repaint.
    pub fn send(&self, msg: Msg) {
        let _ = self.tx.send(Envelope {
            msg,
            answers_job: false,
        });
        self.ctx.request_repaint();
    }
}

/// The job system: owns the model thread and the result channel.
pub struct Jobs {
    tx: Sender<Envelope>,
    rx: Receiver<Envelope>,
    model_tx: Sender<ModelRequest>,
    ctx: egui::Context,
    /// Jobs sent and not yet answered.
    pending: usize,
    /// The model thread's jobs not yet answered, oldest first (it answers in order).
    model_queue: VecDeque<ModelTask>,
}

impl Jobs {
    /// Starts the model thread.
    pub fn new(ctx: egui::Context) -> Jobs {
        let (tx, rx) = channel();
        let (model_tx, model_rx) = channel::<ModelRequest>();
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
            model_queue: VecDeque::new(),
        }
    }

    /// Jobs sent and not yet answered.
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// True while a model is loading.
    pub fn is_loading_model(&self) -> bool {
        self.model_queue.contains(&ModelTask::Load)
    }

    /// True while a generation is queued or running.
    pub fn is_generating(&self) -> bool {
        self.model_queue.contains(&ModelTask::Generate)
    }

    fn send_model(&mut self, request: ModelRequest) {
        let task = match request {
            ModelRequest::Load(_) => ModelTask::Load,
            ModelRequest::Generate(_) => ModelTask::Generate,
        };
        if self.model_tx.send(request).is_ok() {
            self.pending += 1;
            self.model_queue.push_back(task);
        }
    }

    /// Loads a model folder (replacing the current model when it succeeds).
    pub fn load_model(&mut self, dir: PathBuf) {
        self.send_model(ModelRequest::Load(dir));
    }

    /// Generates on the model thread.
    pub fn generate(&mut self, request: GenerateRequest) {
        self.send_model(ModelRequest::Generate(Box::new(request)));
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
                    .unwrap_or_else(|panic| Msg::Panicked(panic_message(&panic)));
                let _ = tx.send(Envelope {
                    msg,
                    answers_job: true,
                });
                ctx.request_repaint();
            });
        if spawned.is_err() {
            self.pending -= 1;
        }
    }

    /// A reporter for long jobs that report several times (training, fetch progress).
    pub fn reporter(&self) -> Reporter {
        Reporter {
            tx: self.tx.clone(),
            ctx: self.ctx.clone(),
        }
    }

    /// Messages that arrived since the last call.
    pub fn poll(&mut self) -> Vec<Msg> {
        let envelopes: Vec<Envelope> = self.rx.try_iter().collect();
        let mut msgs = Vec::with_capacity(envelopes.len());
        for Envelope { msg, answers_job } in envelopes {
            if answers_job {
                self.pending = self.pending.saturating_sub(1);
            }
            if matches!(msg, Msg::ModelLoaded(_) | Msg::Generated { .. }) {
                self.model_queue.pop_front();
            }
            msgs.push(msg);
        }
        msgs
    }
}

/// The text of a caught panic.
fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

fn model_thread(rx: Receiver<ModelRequest>, tx: Sender<Envelope>, ctx: egui::Context) {
    let mut device: Option<ChosenDevice> = None;
    let mut model: Option<ModelArtifact> = None;
    while let Ok(job) = rx.recv() {
        let dev = device.get_or_insert_with(|| {
            backend::choose(BackendChoice::Auto).unwrap_or_else(|_| backend::cpu())
        });
        let msg = match job {
            ModelRequest::Load(dir) => match ModelArtifact::load(&dir, &dev.device) {
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
            ModelRequest::Generate(request) => {
                let t = Instant::now();
                let result = match &model {
                    None => Err(GuiError::NoModel),
                    Some(a) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        let bound = crate::model::ModelRef::new(a, &dev.device);
                        match request.fill {
                            Some((start, end)) => sampling::fill(
                                bound,
                                &request.primer,
                                start as usize..end as usize,
                                &request.config,
                            ),
                            None => sampling::generate(bound, &request.primer, &request.config),
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
        let answer = Envelope {
            msg,
            answers_job: true,
        };
        if tx.send(answer).is_err() {
            break;
        }
        ctx.request_repaint();
    }
}
