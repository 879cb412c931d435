//! The app's icon: the window's (title bar, task bar, dock) and the About window's picture.

use eframe::egui;

/// The icon as a 256 × 256 PNG (`assets/icon/`, drawn from `lstmuse.svg`).
pub const ICON_PNG: &[u8] = include_bytes!("../../assets/icon/lstmuse-256.png");

/// The icon for the window.
pub fn icon_data() -> Result<egui::IconData, String> {
    eframe::icon_data::from_png_bytes(ICON_PNG).map_err(|e| e.to_string())
}

/// The icon as a texture, decoded once per context; `None` if it does not decode.
pub fn icon_texture(ctx: &egui::Context) -> Option<egui::TextureHandle> {
    let id = egui::Id::unique("lstmuse-icon-texture");
    if let Some(t) = ctx.data(|d| d.get_temp::<egui::TextureHandle>(id)) {
        return Some(t);
    }
    let icon = icon_data().ok()?;
    let size = [
        usize::try_from(icon.width).ok()?,
        usize::try_from(icon.height).ok()?,
    ];
    let image = egui::ColorImage::from_rgba_unmultiplied(size, &icon.rgba);
    let texture = ctx.load_texture("lstmuse-icon", image, egui::TextureOptions::LINEAR);
    ctx.data_mut(|d| d.insert_temp(id, texture.clone()));
    Some(texture)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_icon_decodes_at_its_size() {
        let icon = super::icon_data().unwrap();
        assert_eq!((icon.width, icon.height), (256, 256));
        assert_eq!(icon.rgba.len(), 256 * 256 * 4);
    }
}
