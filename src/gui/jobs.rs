//! Background work: a model thread (load, generate) and one-off threads (files, corpora,
//! training), all reporting typed messages over one channel and waking the UI with
//! `request_repaint`. The runner knows its own jobs, not the panels: a panel's messages
//! travel as `Msg::Panel(P)`, where the app's `P` routes them to the panel that owns them.

use super::error::GuiError;
use crate::model::artifact::{ModelArtifact, ModelCard};
use crate::model::backend::{self, ChosenDevice};
use crate::music::Melody;
use crate::sampling::{self, Form, Generated, Placement, SamplerConfig};
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
    /// Said once it is loaded: its weights could not be verified (no checksum).
    pub note: Option<String>,
}

/// A generation to run.
#[derive(Clone, Debug)]
pub struct GenerateRequest {
    /// What the model reads: the seed, the notes before the cursor, or the whole
    /// document for a fill (may be empty).
    pub melody: Melody,
    /// Sampler settings.
    pub config: SamplerConfig,
    /// The document step where the melody's first step sits.
    pub origin: u32,
    /// Where the new notes go, in the melody's steps.
    pub placement: Placement,
    /// The form of a melody written after the melody (`Free` for the model's own), and its
    /// phrase length; fills and "from here" ignore it.
    pub form: (Form, Option<usize>),
}

/// A result from a background job; `P` is the app's type for its panels' messages.
pub enum Msg<P> {
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
    /// A melody document (`.lstmuse`) was read.
    DocumentOpened {
        /// The file.
        path: PathBuf,
        /// The document, or why not.
        result: crate::error::Result<Box<super::document_file::DocumentFile>>,
    },
    /// The system file dialog closed: the path chosen, if any.
    Browsed(Option<PathBuf>),
    /// For the panel that owns it (the dataset browser, training, the SoundFont voice).
    Panel(P),
    /// A background job panicked: the panic's text.
    Panicked(String),
    /// A background job could not run (its thread could not be started).
    Failed(GuiError),
}

/// A message and whether it answers a job counted in [`Jobs::pending`].
struct Envelope<P> {
    msg: Msg<P>,
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
pub struct Reporter<P> {
    tx: Sender<Envelope<P>>,
    ctx: egui::Context,
}

impl<P> Clone for Reporter<P> {
    fn clone(&self) -> Self {
        Reporter {
            tx: self.tx.clone(),
            ctx: self.ctx.clone(),
        }
    }
}

impl<P> Reporter<P> {
    /// Sends `msg` and asks for a repaint.
    pub fn send(&self, msg: Msg<P>) {
        let _ = self.tx.send(Envelope {
            msg,
            answers_job: false,
        });
        self.ctx.request_repaint();
    }

    /// Sends a panel's message.
    pub fn panel<M>(&self, msg: M)
    where
        P: From<M>,
    {
        self.send(Msg::Panel(P::from(msg)));
    }
}

/// The job system: owns the model thread and the result channel.
pub struct Jobs<P> {
    tx: Sender<Envelope<P>>,
    rx: Receiver<Envelope<P>>,
    model_tx: Sender<ModelRequest>,
    ctx: egui::Context,
    /// Jobs sent and not yet answered.
    pending: usize,
    /// The model thread's jobs not yet answered, oldest first (it answers in order).
    model_queue: VecDeque<ModelTask>,
    /// Why the model thread could not be started, if it could not.
    model_thread_error: Option<String>,
    /// Starts threads.
    spawner: Spawner,
}

/// Starts a named thread running the work (`std::thread::Builder` outside tests).
type Spawner = fn(&str, Box<dyn FnOnce() + Send>) -> std::io::Result<()>;

impl<P: Send + 'static> Jobs<P> {
    /// Starts the model thread.
    pub fn new(ctx: egui::Context) -> Jobs<P> {
        Jobs::with_spawner(ctx, |name, work| {
            std::thread::Builder::new()
                .name(name.into())
                .spawn(work)
                .map(drop)
        })
    }

    /// Starts the model thread with `spawn` (a test passes one that fails). When it cannot
    /// be started, every model job is answered with that error instead of waiting forever.
    fn with_spawner(ctx: egui::Context, spawn: Spawner) -> Jobs<P> {
        let (tx, rx) = channel();
        let (model_tx, model_rx) = channel::<ModelRequest>();
        let out = tx.clone();
        let wake = ctx.clone();
        let started = spawn(
            "lstmuse-model",
            Box::new(move || model_thread(model_rx, out, wake)),
        );
        Jobs {
            tx,
            rx,
            model_tx,
            ctx,
            pending: 0,
            model_queue: VecDeque::new(),
            model_thread_error: started.err().map(|e| e.to_string()),
            spawner: spawn,
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

    /// Queues a job for the model thread; when that thread is not running, the job is
    /// answered at once with the reason, so the app never waits for it.
    fn send_model(&mut self, request: ModelRequest) {
        let task = match request {
            ModelRequest::Load(_) => ModelTask::Load,
            ModelRequest::Generate(_) => ModelTask::Generate,
        };
        self.pending += 1;
        self.model_queue.push_back(task);
        let Err(std::sync::mpsc::SendError(request)) = self.model_tx.send(request) else {
            return;
        };
        let error = GuiError::ModelThread(
            self.model_thread_error
                .clone()
                .unwrap_or_else(|| "it has stopped".into()),
        );
        let msg = match request {
            ModelRequest::Load(_) => Msg::ModelLoaded(Err(error)),
            ModelRequest::Generate(request) => Msg::Generated {
                request: *request,
                result: Err(error),
                millis: 0.0,
            },
        };
        self.answer(msg);
    }

    /// Sends the answer to a counted job through the result channel.
    fn answer(&self, msg: Msg<P>) {
        let _ = self.tx.send(Envelope {
            msg,
            answers_job: true,
        });
        self.ctx.request_repaint();
    }

    /// Loads a model folder (replacing the current model when it succeeds).
    pub fn load_model(&mut self, dir: PathBuf) {
        self.send_model(ModelRequest::Load(dir));
    }

    /// Generates on the model thread.
    pub fn generate(&mut self, request: GenerateRequest) {
        self.send_model(ModelRequest::Generate(Box::new(request)));
    }

    /// Runs `work` on its own thread; its message comes back through [`Jobs::poll`] (or,
    /// when the thread cannot be started, [`Msg::Failed`] saying so).
    pub fn spawn(&mut self, name: &'static str, work: impl FnOnce() -> Msg<P> + Send + 'static) {
        self.pending += 1;
        let tx = self.tx.clone();
        let ctx = self.ctx.clone();
        let spawned = (self.spawner)(
            &format!("lstmuse-{name}"),
            Box::new(move || {
                // A bug in a job must not leave the app waiting forever: report it instead.
                let msg = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                    .unwrap_or_else(|panic| Msg::Panicked(panic_message(&panic)));
                let _ = tx.send(Envelope {
                    msg,
                    answers_job: true,
                });
                ctx.request_repaint();
            }),
        );
        if let Err(error) = spawned {
            self.answer(Msg::Failed(GuiError::Thread { name, error }));
        }
    }

    /// Runs a panel's `work` on its own thread; its message comes back as [`Msg::Panel`].
    pub fn spawn_panel<M>(&mut self, name: &'static str, work: impl FnOnce() -> M + Send + 'static)
    where
        P: From<M>,
    {
        self.spawn(name, move || Msg::Panel(P::from(work())));
    }

    /// A reporter for long jobs that report several times (training, fetch progress).
    pub fn reporter(&self) -> Reporter<P> {
        Reporter {
            tx: self.tx.clone(),
            ctx: self.ctx.clone(),
        }
    }

    /// Messages that arrived since the last call.
    pub fn poll(&mut self) -> Vec<Msg<P>> {
        let envelopes: Vec<Envelope<P>> = self.rx.try_iter().collect();
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

/// The model thread: loads models and generates, on the CPU.
///
/// Generation steps one symbol at a time for a few melodies, where per-operation overhead,
/// not arithmetic, sets the pace, so the CPU (`flex`) is the device for it, as for `lstmuse
/// generate`. Keeping the app's model off the GPU also keeps an idle app idle: an opened
/// CubeCL device polls from its own thread for as long as the process lives. Training
/// uses the GPU when the Training tab asks for it.
fn model_thread<P>(rx: Receiver<ModelRequest>, tx: Sender<Envelope<P>>, ctx: egui::Context) {
    let dev = backend::cpu();
    let mut model: Option<ModelArtifact> = None;
    while let Ok(job) = rx.recv() {
        let msg = match job {
            ModelRequest::Load(dir) => {
                let loaded = catch_panic(|| ModelArtifact::load(&dir, &dev.device));
                match loaded {
                    Ok(Ok(a)) => {
                        let info = model_info(&dir, &a, &dev);
                        model = Some(a);
                        Msg::ModelLoaded(Ok(info))
                    }
                    Ok(Err(error)) => Msg::ModelLoaded(Err(GuiError::ModelLoad {
                        dir,
                        error: Box::new(error),
                    })),
                    Err(panic) => Msg::ModelLoaded(Err(panic)),
                }
            }
            ModelRequest::Generate(request) => generate(model.as_ref(), *request, &dev.device),
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

/// Runs `work`, turning a panic into [`GuiError::Panicked`].
fn catch_panic<T>(work: impl FnOnce() -> T) -> Result<T, GuiError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
        .map_err(|p| GuiError::Panicked(panic_message(&p)))
}

/// What the UI shows about a loaded model.
fn model_info(dir: &std::path::Path, a: &ModelArtifact, dev: &ChosenDevice) -> ModelInfo {
    ModelInfo {
        name: dir
            .file_name()
            .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into()),
        dir: dir.to_path_buf(),
        shape: format!(
            "{}×{} LSTM, {} symbols",
            a.config.model.layers,
            a.config.model.hidden_size,
            a.vocab.len()
        ),
        backend: dev.name.clone(),
        is_gpu: dev.is_gpu,
        card: a.card.clone(),
        note: a.unverified_note(),
    }
}

/// Runs one generation (or fill) on the loaded model.
fn generate<P>(
    model: Option<&ModelArtifact>,
    request: GenerateRequest,
    device: &burn::tensor::Device,
) -> Msg<P> {
    let t = Instant::now();
    let result = match model {
        None => Err(GuiError::NoModel),
        Some(a) => catch_panic(|| {
            let bound = crate::model::ModelRef::new(a, device);
            match (request.placement, request.form) {
                (Placement::After, (form, bars)) if form != Form::Free => {
                    sampling::generate_form(bound, &request.melody, &request.config, (form, bars))
                }
                _ => sampling::write(bound, &request.melody, request.placement, &request.config),
            }
        })
        .and_then(|r| {
            r.map_err(|error| GuiError::ModelRun {
                dir: a.dir.clone().unwrap_or_default(),
                error: Box::new(error),
            })
        }),
    };
    Msg::Generated {
        request,
        result,
        millis: t.elapsed().as_secs_f64() * 1e3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refuse(_: &str, _: Box<dyn FnOnce() + Send>) -> std::io::Result<()> {
        Err(std::io::Error::other("no threads left"))
    }

    #[test]
    fn a_model_thread_that_cannot_start_answers_each_job_with_why() {
        let mut jobs: Jobs<()> = Jobs::with_spawner(egui::Context::default(), refuse);
        jobs.load_model(PathBuf::from("models/none"));
        assert!(jobs.is_loading_model());
        let msgs = jobs.poll();
        let [Msg::ModelLoaded(Err(e))] = msgs.as_slice() else {
            panic!("expected one failed load, got {} messages", msgs.len());
        };
        assert!(e.to_string().contains("no threads left"), "{e}");
        assert!(!jobs.is_loading_model());
        assert_eq!(jobs.pending(), 0);
    }

    #[test]
    fn a_job_whose_thread_cannot_start_is_reported() {
        let mut jobs: Jobs<()> = Jobs::with_spawner(egui::Context::default(), refuse);
        jobs.spawn("open", || Msg::Browsed(None));
        let msgs = jobs.poll();
        let [Msg::Failed(e)] = msgs.as_slice() else {
            panic!("expected one failure, got {} messages", msgs.len());
        };
        assert!(e.to_string().contains("open"), "{e}");
        assert!(e.to_string().contains("no threads left"), "{e}");
        assert_eq!(jobs.pending(), 0);
    }
}
