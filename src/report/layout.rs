//! Aligned text tables and key-value lists for the terminal renderers.

/// A text table: the first column left-aligned, the others right-aligned, two spaces apart.
/// Rows with a single cell are section headings and are printed as they are.
pub fn render_rows(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; columns];
    for row in rows.iter().filter(|r| r.len() > 1) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        if row.len() <= 1 {
            line.push_str(row.first().map_or("", String::as_str));
        } else {
            for (index, (cell, width)) in row.iter().zip(&widths).enumerate() {
                let pad = width - cell.chars().count();
                if index == 0 {
                    line.push_str(cell);
                    line.push_str(&" ".repeat(pad));
                } else {
                    line.push_str("  ");
                    line.push_str(&" ".repeat(pad));
                    line.push_str(cell);
                }
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A list: label and text columns, both left-aligned; single-cell rows are headings.
pub fn render_list(rows: &[Vec<String>]) -> String {
    let width = rows
        .iter()
        .filter(|r| r.len() > 1)
        .map(|r| r[0].chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (index, cell) in row.iter().enumerate() {
            if index == 0 {
                line.push_str(cell);
                if row.len() > 1 {
                    line.push_str(&" ".repeat(width - cell.chars().count()));
                }
            } else {
                line.push_str("  ");
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let rows = vec![
            vec!["Title".to_string()],
            vec!["a".into(), "1".into(), "22".into()],
            vec!["long name".into(), "333".into(), "4".into()],
        ];
        assert_eq!(
            render_rows(&rows),
            "Title\na            1  22\nlong name  333   4\n"
        );
    }
}
