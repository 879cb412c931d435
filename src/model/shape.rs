//! A network's shape checked against the limits before anything is allocated, and its
//! parameter count.

use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::model::MelodyLstmConfig;

/// Checks a network's shape before it is built: at least one symbol, hidden unit and
/// layer; dropout in [0, 1); widths, layers and the parameter count within `limits`. The
/// error names the `config.json` field (the caller adds the file).
pub fn check_model_config(config: &MelodyLstmConfig, limits: &Limits) -> Result<()> {
    let bad = |field: &str, rule: &str, value: String| {
        Err(Error::parse(
            None,
            format!("model.{field} must be {rule}, got {value}"),
        ))
    };
    if config.vocab_size == 0 {
        return bad("vocab_size", "at least 1", "0".into());
    }
    if config.hidden_size == 0 {
        return bad("hidden_size", "at least 1", "0".into());
    }
    if config.layers == 0 {
        return bad("layers", "at least 1", "0".into());
    }
    if !(config.dropout.is_finite() && (0.0..1.0).contains(&config.dropout)) {
        return bad("dropout", "in [0, 1)", config.dropout.to_string());
    }
    let width = limits.max_model_width;
    Limits::check("model.vocab_size (symbols)", config.vocab_size, width)?;
    Limits::check(
        "model.hidden_size (hidden units)",
        config.hidden_size,
        width,
    )?;
    Limits::check("model.embedding_size", config.embedding_size, width)?;
    Limits::check("structure inputs per step", config.structure_width(), width)?;
    Limits::check(
        "model.layers (LSTM layers)",
        config.layers,
        limits.max_model_layers,
    )?;
    match parameter_count(config) {
        Some(n) => Limits::check("model parameters", n, limits.max_model_parameters),
        None => Err(Error::Limit {
            what: "model parameters",
            value: "more than 2^64".into(),
            limit: limits.max_model_parameters.to_string(),
            location: crate::error::Location::default(),
        }),
    }
}

/// The number of weights a network of this shape has (`None` if it overflows `usize`).
pub fn parameter_count(config: &MelodyLstmConfig) -> Option<usize> {
    let (v, e, h) = (config.vocab_size, config.embedding_size, config.hidden_size);
    let gates = h.checked_mul(4)?;
    let recurrent = h.checked_mul(gates)?;
    // The first layer: one-hot rows (bias folded in), or an embedding and a bias.
    let first_input = if e == 0 {
        v.checked_mul(gates)?
    } else {
        v.checked_mul(e)?
            .checked_add(e.checked_mul(gates)?)?
            .checked_add(gates)?
    };
    let upper_layer = recurrent.checked_add(recurrent)?.checked_add(gates)?;
    let upper = upper_layer.checked_mul(config.layers.checked_sub(1)?)?;
    let structure = config.structure_width().checked_mul(gates)?;
    let output = h.checked_mul(v)?.checked_add(v)?;
    first_input
        .checked_add(recurrent)?
        .checked_add(upper)?
        .checked_add(structure)?
        .checked_add(output)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::structure::StructureInputs;
    use burn::module::Module;
    use burn::tensor::Device;

    #[test]
    fn parameter_count_matches_the_built_network() {
        let device = Device::flex();
        let shapes = [
            MelodyLstmConfig::new(38).with_hidden_size(8),
            MelodyLstmConfig::new(38)
                .with_hidden_size(8)
                .with_embedding_size(5)
                .with_layers(3),
            MelodyLstmConfig::new(20)
                .with_hidden_size(6)
                .with_layers(2)
                .with_structure(Some(StructureInputs::default())),
        ];
        for config in shapes {
            let built = config.init_for_load(&device).num_params();
            assert_eq!(parameter_count(&config), Some(built), "{config:?}");
        }
        let huge = MelodyLstmConfig::new(38).with_hidden_size(usize::MAX / 2);
        assert_eq!(parameter_count(&huge), None);
    }

    #[test]
    fn impossible_shapes_name_the_field() {
        let limits = Limits::DEFAULT;
        let ok = MelodyLstmConfig::new(38);
        assert!(check_model_config(&ok, &limits).is_ok());
        let cases = [
            (ok.clone().with_dropout(1.0), "model.dropout"),
            (ok.clone().with_dropout(f64::NAN), "model.dropout"),
            (ok.clone().with_layers(0), "model.layers"),
            (ok.clone().with_layers(17), "model.layers"),
            (ok.clone().with_hidden_size(0), "model.hidden_size"),
            (
                ok.clone().with_hidden_size(1_000_000_000),
                "model.hidden_size",
            ),
            (
                ok.clone().with_embedding_size(9_000),
                "model.embedding_size",
            ),
            (
                ok.clone().with_hidden_size(8_192).with_layers(4),
                "model parameters",
            ),
        ];
        for (config, field) in cases {
            let e = check_model_config(&config, &limits)
                .unwrap_err()
                .to_string();
            assert!(e.contains(field), "{field}: {e}");
        }
    }
}
