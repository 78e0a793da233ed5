"""``raresight:batch``: many scoring jobs on Dask distributed, from a job manifest or from pre/post
file patterns (the worker's ``batch`` request; ``raresight batch`` on the command line)."""

from __future__ import annotations

import os

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..i18n import tr
from .common import Base, advanced, method_params, run_backend


class BatchAlgorithm(Base):
    JOBS, POST, PRE, METHOD, PARAMETERS = "JOBS", "POST", "PRE", "METHOD", "PARAMETERS"
    SCHEDULER, WORKERS, FORCE, OUTPUT = "SCHEDULER", "WORKERS", "FORCE", "OUTPUT"
    SUMMARY, DONE, SKIPPED, FAILED = "SUMMARY", "DONE", "SKIPPED", "FAILED"

    def name(self) -> str:
        return "batch"

    def displayName(self) -> str:  # noqa: N802
        return tr("Batch of scenes (Dask)")

    def shortHelpString(self) -> str:  # noqa: N802
        return tr(
            "Scores many scenes with one configuration on Dask distributed: the jobs of a manifest (CSV or "
            "JSON: targets, references, method, params, name), or every file of a post-event pattern with "
            "one '*' paired with the pre-event file whose '*' matches the same text. Each job writes its "
            "score raster, sidecar and polygons into the output folder; the folder also gets summary.csv, "
            "merged polygons and a mosaic of the scores. Complete jobs are skipped unless forced; a failing "
            "job is reported and the others go on. Without a scheduler address, a local cluster uses every "
            "core of this machine."
        )

    def initAlgorithm(self, config=None) -> None:  # noqa: N802
        self.addParameter(
            QgsProcessingParameterFile(
                self.JOBS, tr("Job manifest (CSV or JSON)"), optional=True, fileFilter="Jobs (*.csv *.json)"
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.POST, tr("Post-event files, with one '*' (e.g. /data/post/*.tif)"), optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.PRE, tr("Pre-event files, with one '*' (e.g. /data/pre/*.tif)"), optional=True
            )
        )
        self.addParameter(QgsProcessingParameterString(self.METHOD, tr("Method"), defaultValue="rx"))
        self.addParameter(
            QgsProcessingParameterString(
                self.PARAMETERS, tr("Method parameters (KEY=VALUE, e.g. fit_fraction=0.5)"), optional=True
            )
        )
        self.addParameter(
            advanced(
                QgsProcessingParameterString(
                    self.SCHEDULER, tr("Dask scheduler address (empty: this machine)"), optional=True
                )
            )
        )
        self.addParameter(
            advanced(
                QgsProcessingParameterNumber(
                    self.WORKERS,
                    tr("Local workers (0: one per core)"),
                    QgsProcessingParameterNumber.Type.Integer,
                    0,
                    False,
                    0,
                )
            )
        )
        self.addParameter(QgsProcessingParameterBoolean(self.FORCE, tr("Rerun complete jobs"), False))
        self.addParameter(QgsProcessingParameterFolderDestination(self.OUTPUT, tr("Output folder")))
        self.addOutput(QgsProcessingOutputFile(self.SUMMARY, tr("Summary (CSV)")))
        self.addOutput(QgsProcessingOutputNumber(self.DONE, tr("Jobs done")))
        self.addOutput(QgsProcessingOutputNumber(self.SKIPPED, tr("Jobs skipped (already complete)")))
        self.addOutput(QgsProcessingOutputNumber(self.FAILED, tr("Jobs failed")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        jobs = self.parameterAsFile(parameters, self.JOBS, context)
        post = self.parameterAsString(parameters, self.POST, context).strip()
        if bool(jobs) == bool(post):
            raise QgsProcessingException(tr("Give a job manifest or post-event files, not both."))
        output = os.path.abspath(self.parameterAsString(parameters, self.OUTPUT, context))
        args = {
            "output": output,
            "jobs": os.path.abspath(jobs) if jobs else None,
            "post": post or None,
            "pre": self.parameterAsString(parameters, self.PRE, context).strip() or None,
            "method": self.parameterAsString(parameters, self.METHOD, context).strip() or "rx",
            "params": method_params(self, parameters, context),
            "scheduler": self.parameterAsString(parameters, self.SCHEDULER, context).strip() or None,
            "workers": self.parameterAsInt(parameters, self.WORKERS, context) or None,
            "force": self.parameterAsBool(parameters, self.FORCE, context),
        }
        result = run_backend("batch", args, feedback)
        for row in result["rows"]:
            if row["status"] == "failed":
                feedback.reportError(
                    tr("Job {job} failed: {error}").format(job=row["job"], error=row["error"])
                )
        counts = result["counts"]
        return {
            self.OUTPUT: output,
            self.SUMMARY: result["written"]["summary.csv"],
            self.DONE: counts["done"],
            self.SKIPPED: counts["skipped"],
            self.FAILED: counts["failed"],
        }
