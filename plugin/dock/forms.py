"""Form helpers of the dock: labels that wrap instead of widening it, and form rows that come and
go without leaving gaps."""

from __future__ import annotations

from qgis.PyQt.QtWidgets import QFormLayout, QLabel, QSizePolicy, QWidget


def wrapping_label(text: str = "", secondary: bool = False) -> QLabel:
    """A label that wraps instead of widening the dock."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(120)
    if secondary:
        label.setStyleSheet("color: palette(mid);")
    return label


class Rows:
    """The rows of a form that come and go with the method: hidden rows are taken out of the
    layout (Qt 5's QFormLayout keeps spacing for hidden rows), and shown ones put back in order."""

    def __init__(self, form: QFormLayout) -> None:
        self.form = form
        self.rows: list[tuple[str, QWidget | None, QWidget]] = []  # (key, label, field)
        self.shown: dict[str, bool] = {}

    def add(self, key: str, label: QWidget | str | None, field: QWidget) -> None:
        if isinstance(label, str):
            label = QLabel(label)
        self.rows.append((key, label, field))
        self.shown[key] = True
        self._add_to_form(label, field)

    def _add_to_form(self, label, field) -> None:
        if label is None:
            self.form.addRow(field)
        else:
            self.form.addRow(label, field)

    def show(self, visible: dict[str, bool]) -> None:
        """Show exactly the rows whose key maps to True (others keep their state)."""
        wanted = {**self.shown, **visible}
        if wanted == self.shown:
            return
        while self.form.rowCount():
            self.form.takeRow(0)
        for key, label, field in self.rows:
            for widget in (label, field):
                if widget is not None:
                    widget.setVisible(wanted[key])
            if wanted[key]:
                self._add_to_form(label, field)
        self.shown = wanted
