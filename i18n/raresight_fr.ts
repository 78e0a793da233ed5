<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
<context>
    <name>RareSight</name>
    <message>
        <location filename="../plugin/dock.py" line="226"/>
        <source> m²</source>
        <translation> m²</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="178"/>
        <source> px</source>
        <translation> px</translation>
    </message>
    <message>
        <location filename="../plugin/main.py" line="63"/>
        <location filename="../plugin/main.py" line="94"/>
        <source>&amp;RareSight</source>
        <translation>&amp;RareSight</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="292"/>
        <source>(needs a reference)</source>
        <translation>(nécessite une image de référence)</translation>
    </message>
    <message>
        <location filename="../plugin/layers.py" line="56"/>
        <source>A chosen layer is not valid: check that its source still exists.</source>
        <translation>Une couche choisie n'est pas valide : vérifiez que sa source existe toujours.</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="142"/>
        <source>A co-registered image of the same date, e.g. SAR; it is aligned onto the first image's grid.</source>
        <translation>Une image coregistrée de la même date, par ex. SAR ; elle est alignée sur la grille de la première image.</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="145"/>
        <source>A normal reference (pre-event or archive image) in the same order as the images; without one, the method learns normality from the image itself.</source>
        <translation>Une image de référence normale (avant l'événement ou d'archive), dans le même ordre que les images ; sans référence, la méthode apprend la normalité à partir de l'image elle-même.</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="172"/>
        <source>Advanced settings</source>
        <translation>Paramètres avancés</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="501"/>
        <source>Anomalies</source>
        <translation>Anomalies</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="501"/>
        <source>Anomalies (false-alarm rate {rate:.1e})</source>
        <translation>Anomalies (taux de fausses alarmes {rate:.1e})</translation>
    </message>
    <message>
        <location filename="../plugin/processing/algorithms.py" line="200"/>
        <location filename="../plugin/processing/algorithms.py" line="228"/>
        <source>Anomaly polygons</source>
        <translation>Polygones d'anomalies</translation>
    </message>
    <message>
        <location filename="../plugin/processing/algorithms.py" line="154"/>
        <source>Anomaly score</source>
        <translation>Score d'anomalie</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="411"/>
        <source>Anomaly score ({method})</source>
        <translation>Score d'anomalie ({method})</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="180"/>
        <source>Automatic</source>
        <translation>Automatique</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="193"/>
        <source>Backend Python interpreter</source>
        <translation>Interpréteur Python du moteur</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="78"/>
        <source>Backend stopped</source>
        <translation>Moteur arrêté</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="82"/>
        <source>Backend unavailable</source>
        <translation>Moteur indisponible</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="326"/>
        <source>Backend: RareSight {version}, Python {python}, GDAL {gdal}; {device}</source>
        <translation>Moteur : RareSight {version}, Python {python}, GDAL {gdal} ; {device}</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="235"/>
        <location filename="../plugin/dock.py" line="308"/>
        <source>Backend: not checked yet</source>
        <translation>Moteur : pas encore vérifié</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="312"/>
        <source>Backend: starting...</source>
        <translation>Moteur : démarrage...</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="318"/>
        <source>Backend: unavailable ({title})</source>
        <translation>Moteur : indisponible ({title})</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="180"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="324"/>
        <source>CPU only</source>
        <translation>CPU uniquement</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="119"/>
        <source>Calibration: {source}, {n} normal samples; pixels at or above the threshold of the chosen false-alarm rate are shown.</source>
        <translation>Étalonnage : {source}, {n} échantillons normaux ; les pixels au niveau ou au-dessus du seuil du taux de fausses alarmes choisi sont affichés.</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="201"/>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="76"/>
        <source>Cancelled</source>
        <translation>Annulé</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="552"/>
        <source>Cancelled; nothing was added.</source>
        <translation>Annulé ; rien n'a été ajouté.</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="536"/>
        <source>Cancelling...</source>
        <translation>Annulation...</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="409"/>
        <location filename="../plugin/dock.py" line="414"/>
        <location filename="../plugin/dock.py" line="504"/>
        <source>Cannot add the result</source>
        <translation>Impossible d'ajouter le résultat</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="354"/>
        <source>Cannot create the output folder {folder}: {reason}</source>
        <translation>Impossible de créer le dossier de sortie {folder} : {reason}</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="376"/>
        <source>Cannot start</source>
        <translation>Impossible de démarrer</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="190"/>
        <source>Check backend</source>
        <translation>Vérifier le moteur</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="345"/>
        <source>Choose the image to analyse first.</source>
        <translation>Choisissez d'abord l'image à analyser.</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="199"/>
        <location filename="../plugin/processing/algorithms.py" line="115"/>
        <source>Detect anomalies</source>
        <translation>Détecter les anomalies</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="85"/>
        <source>Detection failed</source>
        <translation>Échec de la détection</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="395"/>
        <source>Detection finished</source>
        <translation>Détection terminée</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="192"/>
        <location filename="../plugin/processing/algorithms.py" line="146"/>
        <source>Device</source>
        <translation>Périphérique de calcul</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="219"/>
        <source>Expected share of normal pixels shown as anomalous (log scale).</source>
        <translation>Part attendue de pixels normaux affichés comme anomalies (échelle logarithmique).</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="227"/>
        <source>Export polygons</source>
        <translation>Exporter les polygones</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="229"/>
        <location filename="../plugin/processing/algorithms.py" line="214"/>
        <source>False-alarm rate</source>
        <translation>Taux de fausses alarmes</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="465"/>
        <source>False-alarm rate {rate:.1e} (no score layer selected)</source>
        <translation>Taux de fausses alarmes {rate:.1e} (aucune couche de score sélectionnée)</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="473"/>
        <source>False-alarm rate {rate:.1e}: showing scores &gt;= {threshold:.4g}</source>
        <translation>Taux de fausses alarmes {rate:.1e} : affichage des scores &gt;= {threshold:.4g}</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="168"/>
        <source>Folder where score rasters and polygons are written (kept after QGIS closes).</source>
        <translation>Dossier où sont écrits les rasters de score et les polygones (conservés après la fermeture de QGIS).</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="180"/>
        <source>GPU (CUDA)</source>
        <translation>GPU (CUDA)</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="324"/>
        <source>GPU (CUDA) available</source>
        <translation>GPU (CUDA) disponible</translation>
    </message>
    <message>
        <location filename="../plugin/processing/algorithms.py" line="167"/>
        <source>Give at least one target raster.</source>
        <translation>Indiquez au moins un raster cible.</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="136"/>
        <source>Image (e.g. optical)</source>
        <translation>Image (par ex. optique)</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="130"/>
        <source>Inputs</source>
        <translation>Entrées</translation>
    </message>
    <message>
        <location filename="../plugin/layers.py" line="69"/>
        <source>Layer {name} cannot be read for export.</source>
        <translation>La couche {name} ne peut pas être lue pour l'export.</translation>
    </message>
    <message>
        <location filename="../plugin/layers.py" line="80"/>
        <source>Layer {name} could not be written to a temporary GeoTIFF (error {code}).</source>
        <translation>La couche {name} n'a pas pu être écrite dans un GeoTIFF temporaire (erreur {code}).</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="149"/>
        <location filename="../plugin/dock.py" line="158"/>
        <location filename="../plugin/processing/algorithms.py" line="138"/>
        <source>Method</source>
        <translation>Méthode</translation>
    </message>
    <message>
        <location filename="../plugin/processing/algorithms.py" line="149"/>
        <source>Method parameters (KEY=VALUE, e.g. fit_fraction=0.5)</source>
        <translation>Paramètres de la méthode (CLÉ=VALEUR, par ex. fit_fraction=0.5)</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="163"/>
        <source>Method parameters as KEY=VALUE pairs separated by spaces or commas (see each method's parameters).</source>
        <translation>Paramètres de la méthode sous forme de paires CLÉ=VALEUR séparées par des espaces ou des virgules (voir les paramètres de chaque méthode).</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="297"/>
        <source>Method parameters as KEY=VALUE pairs separated by spaces or commas. Defaults: {defaults}</source>
        <translation>Paramètres de la méthode sous forme de paires CLÉ=VALEUR séparées par des espaces ou des virgules. Valeurs par défaut : {defaults}</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="114"/>
        <source>Method: {method}. {meaning}</source>
        <translation>Méthode : {method}. {meaning}</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="231"/>
        <source>Minimum area</source>
        <translation>Surface minimale</translation>
    </message>
    <message>
        <location filename="../plugin/processing/algorithms.py" line="219"/>
        <source>Minimum area (m²)</source>
        <translation>Surface minimale (m²)</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="470"/>
        <source>No calibration found beside this score layer.</source>
        <translation>Aucun étalonnage trouvé à côté de cette couche de score.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/algorithms.py" line="230"/>
        <source>Number of polygons</source>
        <translation>Nombre de polygones</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="169"/>
        <source>Output folder</source>
        <translation>Dossier de sortie</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="164"/>
        <source>Parameters</source>
        <translation>Paramètres</translation>
    </message>
    <message>
        <location filename="../plugin/layers.py" line="46"/>
        <source>Parameters take KEY=VALUE pairs, e.g. fit_fraction=0.5; got {item}.</source>
        <translation>Les paramètres s’écrivent en paires CLÉ=VALEUR, par ex. fit_fraction=0.5 ; reçu : {item}.</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="509"/>
        <source>Polygons exported</source>
        <translation>Polygones exportés</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="160"/>
        <source>Prompt</source>
        <translation>Invite textuelle</translation>
    </message>
    <message>
        <location filename="../plugin/processing/algorithms.py" line="141"/>
        <source>Prompt (prompt methods only)</source>
        <translation>Invite textuelle (méthodes à invite uniquement)</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="188"/>
        <source>Python interpreter of the backend environment (default: the .venv inside the plugin folder).</source>
        <translation>Interpréteur Python de l'environnement du moteur (par défaut : le .venv du dossier de l'extension).</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="414"/>
        <location filename="../plugin/dock.py" line="504"/>
        <source>QGIS cannot read {path}.</source>
        <translation>QGIS ne peut pas lire {path}.</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="102"/>
        <location filename="../plugin/processing/provider.py" line="21"/>
        <source>RareSight</source>
        <translation>RareSight</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="113"/>
        <source>RareSight anomaly score: higher means more anomalous; no data where the score is empty.</source>
        <translation>Score d'anomalie RareSight : plus il est élevé, plus le pixel est anormal ; pas de donnée là où le score est vide.</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="556"/>
        <source>RareSight backend</source>
        <translation>Moteur RareSight</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="313"/>
        <source>RareSight: checking the backend</source>
        <translation>RareSight : vérification du moteur</translation>
    </message>
    <message>
        <location filename="../plugin/processing/provider.py" line="24"/>
        <source>RareSight: dense anomaly maps of rare events</source>
        <translation>RareSight : cartes d'anomalies denses des événements rares</translation>
    </message>
    <message>
        <location filename="../plugin/main.py" line="57"/>
        <source>RareSight: detect anomalies</source>
        <translation>RareSight : détecter les anomalies</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="380"/>
        <source>RareSight: detecting anomalies</source>
        <translation>RareSight : détection des anomalies</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="488"/>
        <source>RareSight: exporting polygons</source>
        <translation>RareSight : export des polygones</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="138"/>
        <source>Reference (pre-event, optional)</source>
        <translation>Référence (avant l'événement, facultative)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/algorithms.py" line="132"/>
        <source>Reference rasters (normal, same order)</source>
        <translation>Rasters de référence (normaux, même ordre)</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="118"/>
        <source>Reference: {refs}</source>
        <translation>Référence : {refs}</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="210"/>
        <source>Result</source>
        <translation>Résultat</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="228"/>
        <source>Score layer</source>
        <translation>Couche de score</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="396"/>
        <source>Score layer {name} added; move the false-alarm rate slider to restyle it.</source>
        <translation>Couche de score {name} ajoutée ; déplacez le curseur du taux de fausses alarmes pour modifier son style.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/algorithms.py" line="211"/>
        <source>Score raster</source>
        <translation>Raster de score</translation>
    </message>
    <message>
        <location filename="../plugin/processing/algorithms.py" line="231"/>
        <source>Score threshold</source>
        <translation>Seuil de score</translation>
    </message>
    <message>
        <location filename="../plugin/processing/algorithms.py" line="118"/>
        <source>Scores every pixel of the target raster(s) for how anomalous it is and writes a float32 score GeoTIFF on the first target's grid (higher = more anomalous, no data where no input has data), with a sidecar JSON holding the label-free calibration. Targets are rasters of one date (e.g. optical, then SAR); the optional reference holds normal (pre-event) rasters in the same order. METHOD is a name such as rx, cva, logratio or gauss-ref.</source>
        <translation>Attribue à chaque pixel du ou des rasters cibles un score d'anomalie et écrit un GeoTIFF de score en float32 sur la grille de la première cible (plus élevé = plus anormal, pas de donnée là où aucune entrée n'a de données), accompagné d'un fichier JSON annexe contenant l'étalonnage sans étiquettes. Les cibles sont des rasters d'une même date (par ex. optique, puis SAR) ; la référence facultative contient des rasters normaux (avant l'événement) dans le même ordre. La méthode (METHOD) est un nom tel que rx, cva, logratio ou gauss-ref.</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="137"/>
        <source>Second image (e.g. SAR, optional)</source>
        <translation>Seconde image (par ex. SAR, facultative)</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="139"/>
        <source>Second reference (optional)</source>
        <translation>Seconde référence (facultative)</translation>
    </message>
    <message>
        <location filename="../plugin/main.py" line="60"/>
        <source>Show the RareSight panel: dense anomaly maps of rare events</source>
        <translation>Afficher le panneau RareSight : cartes d'anomalies denses des événements rares</translation>
    </message>
    <message>
        <location filename="../plugin/processing/algorithms.py" line="223"/>
        <source>Simplification tolerance (m)</source>
        <translation>Tolérance de simplification (m)</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="122"/>
        <source>Software: RareSight {version}</source>
        <translation>Logiciel : RareSight {version}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/algorithms.py" line="170"/>
        <source>Some target rasters could not be loaded: check TARGET.</source>
        <translation>Certains rasters cibles n’ont pas pu être chargés : vérifiez TARGET.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/algorithms.py" line="128"/>
        <source>Target rasters (one date)</source>
        <translation>Rasters cibles (une seule date)</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="117"/>
        <source>Targets: {targets}</source>
        <translation>Cibles : {targets}</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="82"/>
        <source>The backend could not be started. Set its Python interpreter under Advanced settings, or run scripts/setup.sh in the plugin folder. Details: {details}</source>
        <translation>Le moteur n'a pas pu être démarré. Définissez son interpréteur Python dans les Paramètres avancés, ou exécutez scripts/setup.sh dans le dossier de l'extension. Détails : {details}</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="78"/>
        <source>The backend process stopped unexpectedly; nothing was added. The next run starts a fresh backend. Details: {details}</source>
        <translation>Le processus du moteur s'est arrêté de manière inattendue ; rien n'a été ajouté. La prochaine exécution démarrera un nouveau moteur. Détails : {details}</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="85"/>
        <source>The backend refused the request ({kind}): {details}</source>
        <translation>Le moteur a refusé la requête ({kind}) : {details}</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="140"/>
        <source>The image to search for anomalies (the event date).</source>
        <translation>L'image dans laquelle rechercher les anomalies (date de l'événement).</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="356"/>
        <source>The output folder {folder} is not writable: choose another one.</source>
        <translation>Le dossier de sortie {folder} n'est pas accessible en écriture : choisissez-en un autre.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/algorithms.py" line="239"/>
        <source>The polygons are written as a GeoPackage: give an output ending in .gpkg.</source>
        <translation>Les polygones sont écrits au format GeoPackage : indiquez une sortie se terminant par .gpkg.</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="76"/>
        <source>The run was cancelled; nothing was added.</source>
        <translation>L'exécution a été annulée ; rien n'a été ajouté.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/algorithms.py" line="236"/>
        <source>The score raster is not a valid raster layer.</source>
        <translation>Le raster de score n'est pas une couche raster valide.</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="409"/>
        <source>The score's calibration is unreadable: {reason}</source>
        <translation>L'étalonnage du score est illisible : {reason}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/algorithms.py" line="155"/>
        <source>Threshold at the default false-alarm rate</source>
        <translation>Seuil au taux de fausses alarmes par défaut</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="191"/>
        <source>Tile size</source>
        <translation>Taille des tuiles</translation>
    </message>
    <message>
        <location filename="../plugin/processing/algorithms.py" line="143"/>
        <source>Tile size (px)</source>
        <translation>Taille des tuiles (px)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/algorithms.py" line="203"/>
        <source>Turns a RareSight score raster into polygons: one feature per connected region whose score reaches the threshold of the chosen false-alarm rate (from the score's sidecar calibration), with area_m2, max_score, mean_score, method and threshold. Written as a GeoPackage in the raster's CRS.</source>
        <translation>Convertit un raster de score RareSight en polygones : une entité par région connexe dont le score atteint le seuil du taux de fausses alarmes choisi (d'après l'étalonnage du fichier annexe du score), avec les champs area_m2, max_score, mean_score, method et threshold. Écrit au format GeoPackage dans le SCR du raster.</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="157"/>
        <source>What you are looking for; used by prompt methods only.</source>
        <translation>Ce que vous recherchez ; utilisé uniquement par les méthodes à invite.</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="162"/>
        <source>e.g. fit_fraction=0.5</source>
        <translation>par ex. fit_fraction=0.5</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="156"/>
        <source>e.g. flooded area</source>
        <translation>par ex. zone inondée</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="298"/>
        <source>none</source>
        <translation>aucun</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="118"/>
        <source>none (fit on the target itself)</source>
        <translation>aucune (ajustement sur la cible elle-même)</translation>
    </message>
    <message>
        <location filename="../plugin/dock.py" line="510"/>
        <source>{n} polygon(s) written to {path}.</source>
        <translation>{n} polygone(s) écrit(s) dans {path}.</translation>
    </message>
</context>
</TS>
