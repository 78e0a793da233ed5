"""RareSight in QGIS Processing: the Toolbox, the Model Designer, batch mode and qgis_process."""
