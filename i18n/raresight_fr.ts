<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
<context>
    <name>RareSight</name>
    <message>
        <location filename="../plugin/dock/widgets.py" line="234"/>
        <source> m²</source>
        <translation> m²</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="196"/>
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
        <location filename="../plugin/dock/widgets.py" line="248"/>
        <source>(needs a reference)</source>
        <translation>(nécessite une image de référence)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="196"/>
        <source>(not enough)</source>
        <translation>(insuffisant)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="131"/>
        <source>(the method's physical threshold is {threshold:.4g})</source>
        <translation>(le seuil physique de la méthode est {threshold:.4g})</translation>
    </message>
    <message>
        <location filename="../plugin/layers.py" line="56"/>
        <source>A chosen layer is not valid: check that its source still exists.</source>
        <translation>Une couche choisie n'est pas valide : vérifiez que sa source existe toujours.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="102"/>
        <source>A co-registered image of the same date, e.g. SAR; it is aligned onto the first image's grid.</source>
        <translation>Une image coregistrée de la même date, par ex. SAR ; elle est alignée sur la grille de la première image.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="133"/>
        <source>A local open_clip checkpoint for the CLIP methods. Empty: the default model card's weights (downloaded on first use, checksum verified).</source>
        <translation>Un checkpoint open_clip local pour les méthodes CLIP. Vide : les poids de la fiche de modèle par défaut (téléchargés à la première utilisation, somme de contrôle vérifiée).</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="173"/>
        <source>A model saved by Train model (.safetensors) or exported to ONNX (.onnx). Empty: each detection trains a model on the fly.</source>
        <translation>Un modèle enregistré par « Entraîner le modèle » (.safetensors) ou exporté en ONNX (.onnx). Vide : chaque détection entraîne un modèle à la volée.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="105"/>
        <source>A normal reference (pre-event or archive image) in the same order as the images; without one, the method learns normality from the image itself.</source>
        <translation>Une image de référence normale (avant l'événement ou d'archive), dans le même ordre que les images ; sans référence, la méthode apprend la normalité à partir de l'image elle-même.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="190"/>
        <source>Advanced settings</source>
        <translation>Paramètres avancés</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="162"/>
        <source>Anomalies</source>
        <translation>Anomalies</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="162"/>
        <source>Anomalies (false-alarm rate {rate:.1e})</source>
        <translation>Anomalies (taux de fausses alarmes {rate:.1e})</translation>
    </message>
    <message>
        <location filename="../plugin/processing/polygonize.py" line="35"/>
        <location filename="../plugin/processing/polygonize.py" line="79"/>
        <source>Anomaly polygons</source>
        <translation>Polygones d'anomalies</translation>
    </message>
    <message>
        <location filename="../plugin/processing/detect.py" line="139"/>
        <source>Anomaly score</source>
        <translation>Score d'anomalie</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="59"/>
        <source>Anomaly score ({method})</source>
        <translation>Score d'anomalie ({method})</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="198"/>
        <source>Automatic</source>
        <translation>Automatique</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="212"/>
        <source>Backend Python interpreter</source>
        <translation>Interpréteur Python du moteur</translation>
    </message>
    <message>
        <location filename="../plugin/dock/messages.py" line="21"/>
        <source>Backend stopped</source>
        <translation>Moteur arrêté</translation>
    </message>
    <message>
        <location filename="../plugin/dock/messages.py" line="25"/>
        <source>Backend unavailable</source>
        <translation>Moteur indisponible</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="172"/>
        <source>Backend: RareSight {version}, Python {python}, GDAL {gdal}; {device}</source>
        <translation>Moteur : RareSight {version}, Python {python}, GDAL {gdal} ; {device}</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="154"/>
        <location filename="../plugin/dock/widgets.py" line="83"/>
        <source>Backend: not checked yet</source>
        <translation>Moteur : pas encore vérifié</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="158"/>
        <source>Backend: starting...</source>
        <translation>Moteur : démarrage...</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="164"/>
        <source>Backend: unavailable ({title})</source>
        <translation>Moteur : indisponible ({title})</translation>
    </message>
    <message>
        <location filename="../plugin/processing/batch.py" line="32"/>
        <source>Batch of scenes (Dask)</source>
        <translation>Lot de scènes (Dask)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="139"/>
        <source>CLIP checkpoint</source>
        <translation>Checkpoint CLIP</translation>
    </message>
    <message>
        <location filename="../plugin/processing/detect.py" line="101"/>
        <source>CLIP checkpoint (CLIP methods only)</source>
        <translation>Checkpoint CLIP (méthodes CLIP uniquement)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="136"/>
        <source>CLIP checkpoints (*.safetensors *.pt *.pth *.bin);;All files (*)</source>
        <translation>Checkpoints CLIP (*.safetensors *.pt *.pth *.bin);;Tous les fichiers (*)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="108"/>
        <source>CLIP: adds the CLIP prompt maps</source>
        <translation>CLIP : ajoute les cartes CLIP par requête</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="113"/>
        <location filename="../plugin/dock/widgets.py" line="198"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="170"/>
        <source>CPU only</source>
        <translation>CPU uniquement</translation>
    </message>
    <message>
        <location filename="../plugin/progress_text.py" line="15"/>
        <source>Calibrating</source>
        <translation>Calibration</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="141"/>
        <source>Calibration: {source}, {n} normal samples; pixels above the threshold of the chosen false-alarm rate are shown.</source>
        <translation>Étalonnage : {source}, {n} échantillons normaux ; les pixels au-dessus du seuil du taux de fausses alarmes choisi sont affichés.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="128"/>
        <location filename="../plugin/dock/widgets.py" line="72"/>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <location filename="../plugin/dock/messages.py" line="19"/>
        <source>Cancelled</source>
        <translation>Annulé</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="237"/>
        <source>Cancelled: what was installed is kept, and Set up resumes from there.</source>
        <translation>Annulé : ce qui a été installé est conservé, et l’installation reprendra à partir de là.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="85"/>
        <source>Cancelled: what was installed is kept.</source>
        <translation>Annulé : ce qui a été installé est conservé.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="316"/>
        <source>Cancelled; nothing was added.</source>
        <translation>Annulé ; rien n'a été ajouté.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="293"/>
        <source>Cancelling...</source>
        <translation>Annulation...</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="221"/>
        <source>Cancelling…</source>
        <translation>Annulation…</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="54"/>
        <location filename="../plugin/dock/results.py" line="74"/>
        <source>Cannot add the result</source>
        <translation>Impossible d'ajouter le résultat</translation>
    </message>
    <message>
        <location filename="../plugin/dock/requests.py" line="131"/>
        <source>Cannot create the output folder {folder}: {reason}</source>
        <translation>Impossible de créer le dossier de sortie {folder} : {reason}</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="228"/>
        <source>Cannot start</source>
        <translation>Impossible de démarrer</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="209"/>
        <source>Check backend</source>
        <translation>Vérifier le moteur</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="137"/>
        <source>Choose a CLIP checkpoint</source>
        <translation>Choisir un checkpoint CLIP</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="177"/>
        <source>Choose a saved model</source>
        <translation>Choisir un modèle enregistré</translation>
    </message>
    <message>
        <location filename="../plugin/dock/requests.py" line="106"/>
        <source>Choose the image to analyse first.</source>
        <translation>Choisissez d'abord l'image à analyser.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="147"/>
        <source>Combine with anomaly method</source>
        <translation>Combiner avec la méthode d'anomalie</translation>
    </message>
    <message>
        <location filename="../plugin/processing/detect.py" line="109"/>
        <source>Combine with anomaly method (prompt methods only)</source>
        <translation>Combiner avec la méthode d'anomalie (méthodes à invite uniquement)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/common.py" line="64"/>
        <source>Complex (SLC) inputs read as</source>
        <translation>Entrées complexes (SLC) lues comme</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="106"/>
        <source>Core: classical methods and spectral prompts</source>
        <translation>Base : méthodes classiques et requêtes spectrales</translation>
    </message>
    <message>
        <location filename="../plugin/processing/batch.py" line="70"/>
        <source>Dask scheduler address (empty: this machine)</source>
        <translation>Adresse de l'ordonnanceur Dask (vide : cette machine)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="70"/>
        <location filename="../plugin/processing/detect.py" line="66"/>
        <source>Detect anomalies</source>
        <translation>Détecter les anomalies</translation>
    </message>
    <message>
        <location filename="../plugin/dock/messages.py" line="28"/>
        <source>Detection failed</source>
        <translation>Échec de la détection</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="259"/>
        <source>Detection finished</source>
        <translation>Détection terminée</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="118"/>
        <location filename="../plugin/dock/widgets.py" line="211"/>
        <location filename="../plugin/processing/common.py" line="55"/>
        <source>Device</source>
        <translation>Périphérique de calcul</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="119"/>
        <source>Disk space</source>
        <translation>Espace disque</translation>
    </message>
    <message>
        <location filename="../plugin/progress_text.py" line="19"/>
        <source>Done</source>
        <translation>Terminé</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="124"/>
        <source>Download and install the backend's Python packages into {folder}.</source>
        <translation>Télécharger et installer les paquets Python du moteur dans {folder}.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="111"/>
        <source>Each profile includes the ones above it; you can add one later.</source>
        <translation>Chaque profil comprend ceux du dessus ; vous pourrez en ajouter un plus tard.</translation>
    </message>
    <message>
        <location filename="../plugin/progress_text.py" line="16"/>
        <source>Embedding</source>
        <translation>Encodage</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="227"/>
        <source>Expected share of normal pixels shown as anomalous (log scale).</source>
        <translation>Part attendue de pixels normaux affichés comme anomalies (échelle logarithmique).</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="235"/>
        <source>Export polygons</source>
        <translation>Exporter les polygones</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="237"/>
        <location filename="../plugin/processing/polygonize.py" line="50"/>
        <source>False-alarm rate</source>
        <translation>Taux de fausses alarmes</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="117"/>
        <source>False-alarm rate {rate:.1e} (no score layer selected)</source>
        <translation>Taux de fausses alarmes {rate:.1e} (aucune couche de score sélectionnée)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="127"/>
        <source>False-alarm rate {rate:.1e}: showing scores &gt; {threshold:.4g}</source>
        <translation>Taux de fausses alarmes {rate:.1e} : affichage des scores &gt; {threshold:.4g}</translation>
    </message>
    <message>
        <location filename="../plugin/progress_text.py" line="13"/>
        <source>Fitting the encoder expert</source>
        <translation>Ajustement de l'expert de l'encodeur</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="161"/>
        <source>Folder where score rasters and polygons are written (kept after QGIS closes).</source>
        <translation>Dossier où sont écrits les rasters de score et les polygones (conservés après la fermeture de QGIS).</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="198"/>
        <source>GPU (CUDA)</source>
        <translation>GPU (CUDA)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="170"/>
        <source>GPU (CUDA) available</source>
        <translation>GPU (CUDA) disponible</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="161"/>
        <source>GPU (NVIDIA {name})</source>
        <translation>GPU (NVIDIA {name})</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="114"/>
        <source>GPU is offered when an NVIDIA GPU and its driver are found.</source>
        <translation>Le GPU est proposé quand un GPU NVIDIA et son pilote sont détectés.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="107"/>
        <source>Generative: adds diffusion and flow (PyTorch)</source>
        <translation>Génératif : ajoute diffusion et flow (PyTorch)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/batch.py" line="97"/>
        <source>Give a job manifest or post-event files, not both.</source>
        <translation>Donnez une liste de tâches ou des fichiers après l'événement, pas les deux.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/common.py" line="104"/>
        <source>Give at least one target raster.</source>
        <translation>Indiquez au moins un raster cible.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="96"/>
        <source>Image (e.g. optical)</source>
        <translation>Image (par ex. optique)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="90"/>
        <source>Inputs</source>
        <translation>Entrées</translation>
    </message>
    <message>
        <location filename="../plugin/processing/batch.py" line="48"/>
        <source>Job manifest (CSV or JSON)</source>
        <translation>Liste de tâches (CSV ou JSON)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/batch.py" line="114"/>
        <source>Job {job} failed: {error}</source>
        <translation>La tâche {job} a échoué : {error}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/batch.py" line="89"/>
        <source>Jobs done</source>
        <translation>Tâches faites</translation>
    </message>
    <message>
        <location filename="../plugin/processing/batch.py" line="91"/>
        <source>Jobs failed</source>
        <translation>Tâches en échec</translation>
    </message>
    <message>
        <location filename="../plugin/processing/batch.py" line="90"/>
        <source>Jobs skipped (already complete)</source>
        <translation>Tâches sautées (déjà complètes)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="143"/>
        <source>Keep only what is both like the prompt and anomalous for this method (default threshold 0.5: both default thresholds passed).</source>
        <translation>Ne garder que ce qui correspond à l'invite et est anormal pour cette méthode (seuil par défaut 0,5 : les deux seuils par défaut sont franchis).</translation>
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
        <location filename="../plugin/processing/batch.py" line="78"/>
        <source>Local workers (0: one per core)</source>
        <translation>Workers locaux (0 : un par cœur)</translation>
    </message>
    <message>
        <location filename="../plugin/progress_text.py" line="17"/>
        <source>Masking</source>
        <translation>Masquage</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="112"/>
        <location filename="../plugin/dock/widgets.py" line="121"/>
        <location filename="../plugin/processing/batch.py" line="61"/>
        <location filename="../plugin/processing/detect.py" line="87"/>
        <location filename="../plugin/processing/fit.py" line="60"/>
        <source>Method</source>
        <translation>Méthode</translation>
    </message>
    <message>
        <location filename="../plugin/processing/batch.py" line="64"/>
        <location filename="../plugin/processing/detect.py" line="134"/>
        <source>Method parameters (KEY=VALUE, e.g. fit_fraction=0.5)</source>
        <translation>Paramètres de la méthode (CLÉ=VALEUR, par ex. fit_fraction=0.5)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/fit.py" line="68"/>
        <source>Method parameters (KEY=VALUE, e.g. steps=600)</source>
        <translation>Paramètres de la méthode (CLÉ=VALEUR, par ex. steps=600)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="152"/>
        <source>Method parameters as KEY=VALUE pairs separated by spaces or commas (see each method's parameters).</source>
        <translation>Paramètres de la méthode sous forme de paires CLÉ=VALEUR séparées par des espaces ou des virgules (voir les paramètres de chaque méthode).</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="262"/>
        <source>Method parameters as KEY=VALUE pairs separated by spaces or commas. Defaults: {defaults}</source>
        <translation>Paramètres de la méthode sous forme de paires CLÉ=VALEUR séparées par des espaces ou des virgules. Valeurs par défaut : {defaults}</translation>
    </message>
    <message>
        <location filename="../plugin/dock/requests.py" line="73"/>
        <source>Method {method} has no model to train: choose a generative method (diffusion, flow).</source>
        <translation>La méthode {method} n’a pas de modèle à entraîner : choisissez une méthode générative (diffusion, flow).</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="136"/>
        <source>Method: {method}. {meaning}</source>
        <translation>Méthode : {method}. {meaning}</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="239"/>
        <source>Minimum area</source>
        <translation>Surface minimale</translation>
    </message>
    <message>
        <location filename="../plugin/processing/polygonize.py" line="61"/>
        <source>Minimum area (m²)</source>
        <translation>Surface minimale (m²)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="157"/>
        <source>Model</source>
        <translation>Modèle</translation>
    </message>
    <message>
        <location filename="../plugin/processing/fit.py" line="78"/>
        <source>Model card (JSON)</source>
        <translation>Fiche du modèle (JSON)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/fit.py" line="75"/>
        <source>Model file</source>
        <translation>Fichier du modèle</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="249"/>
        <source>Model trained</source>
        <translation>Modèle entraîné</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="241"/>
        <source>Model {name} saved ({steps} steps in {seconds:.1f} s); detections with {method} now use it.</source>
        <translation>Modèle {name} enregistré ({steps} itérations en {seconds:.1f} s) ; les détections avec {method} l’utilisent désormais.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="129"/>
        <source>Negative prompt</source>
        <translation>Invite négative</translation>
    </message>
    <message>
        <location filename="../plugin/processing/detect.py" line="95"/>
        <source>Negative prompt (CLIP methods only)</source>
        <translation>Invite négative (méthodes CLIP uniquement)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="125"/>
        <source>No calibration found beside this score layer.</source>
        <translation>Aucun étalonnage trouvé à côté de cette couche de score.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="109"/>
        <source>None</source>
        <translation>Aucune</translation>
    </message>
    <message>
        <location filename="../plugin/processing/polygonize.py" line="82"/>
        <source>Number of polygons</source>
        <translation>Nombre de polygones</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="164"/>
        <location filename="../plugin/processing/batch.py" line="87"/>
        <source>Output folder</source>
        <translation>Dossier de sortie</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="156"/>
        <source>Parameters</source>
        <translation>Paramètres</translation>
    </message>
    <message>
        <location filename="../plugin/layers.py" line="46"/>
        <source>Parameters take KEY=VALUE pairs, e.g. fit_fraction=0.5; got {item}.</source>
        <translation>Les paramètres s’écrivent en paires CLÉ=VALEUR, par ex. fit_fraction=0.5 ; reçu : {item}.</translation>
    </message>
    <message>
        <location filename="../plugin/progress_text.py" line="18"/>
        <source>Polygonizing</source>
        <translation>Polygonisation</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="170"/>
        <source>Polygons exported</source>
        <translation>Polygones exportés</translation>
    </message>
    <message>
        <location filename="../plugin/processing/batch.py" line="53"/>
        <source>Post-event files, with one '*' (e.g. /data/post/*.tif)</source>
        <translation>Fichiers après l'événement, avec un '*' (par ex. /data/post/*.tif)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/batch.py" line="58"/>
        <source>Pre-event files, with one '*' (e.g. /data/pre/*.tif)</source>
        <translation>Fichiers avant l'événement, avec un '*' (par ex. /data/pre/*.tif)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="117"/>
        <source>Profile</source>
        <translation>Profil</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="123"/>
        <source>Prompt</source>
        <translation>Invite textuelle</translation>
    </message>
    <message>
        <location filename="../plugin/processing/detect.py" line="91"/>
        <source>Prompt (prompt methods only)</source>
        <translation>Invite textuelle (méthodes à invite uniquement)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="204"/>
        <source>Python interpreter of the backend environment (default: the environment Set up backend makes).</source>
        <translation>Interpréteur Python de l’environnement du moteur (par défaut : celui que crée « Installer le moteur »).</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="75"/>
        <source>QGIS cannot read {path}.</source>
        <translation>QGIS ne peut pas lire {path}.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="49"/>
        <location filename="../plugin/processing/provider.py" line="24"/>
        <source>RareSight</source>
        <translation>RareSight</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="135"/>
        <source>RareSight anomaly score: higher means more anomalous; no data where the score is empty.</source>
        <translation>Score d'anomalie RareSight : plus il est élevé, plus le pixel est anormal ; pas de donnée là où le score est vide.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="320"/>
        <source>RareSight backend</source>
        <translation>Moteur RareSight</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="176"/>
        <location filename="../plugin/processing/detect.py" line="121"/>
        <source>RareSight models (*.safetensors *.onnx)</source>
        <translation>Modèles RareSight (*.safetensors *.onnx)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/fit.py" line="75"/>
        <source>RareSight models (*.safetensors)</source>
        <translation>Modèles RareSight (*.safetensors)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="181"/>
        <source>RareSight runs its detections in its own Python environment, which is not set up yet. Choose what to install; it goes to your user folder and survives plugin updates.</source>
        <translation>RareSight exécute ses détections dans son propre environnement Python, qui n’est pas encore installé. Choisissez quoi installer ; il va dans votre dossier utilisateur et survit aux mises à jour de l’extension.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="159"/>
        <source>RareSight: checking the backend</source>
        <translation>RareSight : vérification du moteur</translation>
    </message>
    <message>
        <location filename="../plugin/processing/provider.py" line="27"/>
        <source>RareSight: dense anomaly maps of rare events</source>
        <translation>RareSight : cartes d'anomalies denses des événements rares</translation>
    </message>
    <message>
        <location filename="../plugin/main.py" line="57"/>
        <source>RareSight: detect anomalies</source>
        <translation>RareSight : détecter les anomalies</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="214"/>
        <source>RareSight: detecting anomalies</source>
        <translation>RareSight : détection des anomalies</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="149"/>
        <source>RareSight: exporting polygons</source>
        <translation>RareSight : export des polygones</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="65"/>
        <source>RareSight: setting up the backend</source>
        <translation>RareSight : installation du moteur</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="219"/>
        <source>RareSight: training a model</source>
        <translation>RareSight : entraînement d’un modèle</translation>
    </message>
    <message>
        <location filename="../plugin/progress_text.py" line="11"/>
        <source>Reading the fit data</source>
        <translation>Lecture des données d'ajustement</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="98"/>
        <source>Reference (pre-event, optional)</source>
        <translation>Référence (avant l'événement, facultative)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/fit.py" line="54"/>
        <source>Reference rasters (learn the targets given these)</source>
        <translation>Rasters de référence (apprendre les cibles sachant ceux-ci)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/detect.py" line="83"/>
        <source>Reference rasters (normal, same order)</source>
        <translation>Rasters de référence (normaux, même ordre)</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="140"/>
        <source>Reference: {refs}</source>
        <translation>Référence : {refs}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/batch.py" line="86"/>
        <source>Rerun complete jobs</source>
        <translation>Relancer les tâches complètes</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="218"/>
        <source>Result</source>
        <translation>Résultat</translation>
    </message>
    <message>
        <location filename="../plugin/processing/detect.py" line="118"/>
        <source>Saved model (generative methods only)</source>
        <translation>Modèle enregistré (méthodes génératives uniquement)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="236"/>
        <source>Score layer</source>
        <translation>Couche de score</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="260"/>
        <source>Score layer {name} added; move the false-alarm rate slider to restyle it.</source>
        <translation>Couche de score {name} ajoutée ; déplacez le curseur du taux de fausses alarmes pour modifier son style.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/polygonize.py" line="46"/>
        <source>Score raster</source>
        <translation>Raster de score</translation>
    </message>
    <message>
        <location filename="../plugin/processing/polygonize.py" line="83"/>
        <source>Score threshold</source>
        <translation>Seuil de score</translation>
    </message>
    <message>
        <location filename="../plugin/processing/detect.py" line="69"/>
        <source>Scores every pixel of the target raster(s) for how anomalous it is and writes a float32 score GeoTIFF on the first target's grid (higher = more anomalous, no data where no input has data), with a sidecar JSON holding the label-free calibration. Targets are rasters of one date (e.g. optical, then SAR); the optional reference holds normal (pre-event) rasters in the same order. METHOD is a name such as rx, cva, logratio, gauss-ref, diffusion or flow. MODEL (generative methods only) reuses a model saved by Train a generative model (or its ONNX export) instead of training one on the fly; without METHOD, the model's card names it. Prompt methods (spectral, CLIP) take PROMPT (e.g. flood), CLIP methods also NEGATIVE (what it is not) and CHECKPOINT (a local open_clip checkpoint); FUSE combines a prompt method with an anomaly method (anomalous and like the prompt, default threshold 0.5).</source>
        <translation>Attribue à chaque pixel du ou des rasters cibles un score d'anomalie et écrit un GeoTIFF de score en float32 sur la grille de la première cible (plus élevé = plus anormal, pas de donnée là où aucune entrée n'a de données), accompagné d'un fichier JSON annexe contenant l'étalonnage sans étiquettes. Les cibles sont des rasters d'une même date (par ex. optique, puis SAR) ; la référence facultative contient des rasters normaux (avant l'événement) dans le même ordre. La méthode (METHOD) est un nom tel que rx, cva, logratio, gauss-ref, diffusion ou flow. Le modèle (MODEL, méthodes génératives uniquement) réutilise un modèle enregistré par « Entraîner un modèle génératif » (ou son export ONNX) au lieu d'en entraîner un à la volée ; sans METHOD, la fiche du modèle désigne la méthode. Les méthodes à invite (spectral, CLIP) prennent une invite (PROMPT, par ex. flood), les méthodes CLIP aussi une invite négative (NEGATIVE, ce que la cible n'est pas) et un checkpoint (CHECKPOINT, un checkpoint open_clip local) ; FUSE combine une méthode à invite avec une méthode d'anomalie (anormal et conforme à l'invite, seuil par défaut 0,5).</translation>
    </message>
    <message>
        <location filename="../plugin/processing/batch.py" line="35"/>
        <source>Scores many scenes with one configuration on Dask distributed: the jobs of a manifest (CSV or JSON: targets, references, method, params, name), or every file of a post-event pattern with one '*' paired with the pre-event file whose '*' matches the same text. Each job writes its score raster, sidecar and polygons into the output folder; the folder also gets summary.csv, merged polygons and a mosaic of the scores. Complete jobs are skipped unless forced; a failing job is reported and the others go on. Without a scheduler address, a local cluster uses every core of this machine.</source>
        <translation>Calcule les scores de nombreuses scènes avec une même configuration sur Dask distributed : les tâches d'une liste (CSV ou JSON : targets, references, method, params, name), ou chaque fichier d'un motif après l'événement avec un '*', associé au fichier avant l'événement dont le '*' correspond au même texte. Chaque tâche écrit son raster de scores, son fichier annexe et ses polygones dans le dossier de sortie ; le dossier reçoit aussi summary.csv, les polygones fusionnés et une mosaïque des scores. Les tâches complètes sont sautées sauf si on force leur relance ; une tâche en échec est signalée et les autres continuent. Sans adresse d'ordonnanceur, un cluster local utilise tous les cœurs de cette machine.</translation>
    </message>
    <message>
        <location filename="../plugin/progress_text.py" line="14"/>
        <source>Scoring</source>
        <translation>Calcul des scores</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="97"/>
        <source>Second image (e.g. SAR, optional)</source>
        <translation>Seconde image (par ex. SAR, facultative)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="99"/>
        <source>Second reference (optional)</source>
        <translation>Seconde référence (facultative)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="96"/>
        <location filename="../plugin/dock/setup_panel.py" line="122"/>
        <location filename="../plugin/dock/setup_panel.py" line="178"/>
        <location filename="../plugin/dock/setup_panel.py" line="185"/>
        <source>Set up backend</source>
        <translation>Installer le moteur</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="213"/>
        <source>Setting up… this can take several minutes.</source>
        <translation>Installation… cela peut prendre plusieurs minutes.</translation>
    </message>
    <message>
        <location filename="../plugin/main.py" line="60"/>
        <source>Show the RareSight panel: dense anomaly maps of rare events</source>
        <translation>Afficher le panneau RareSight : cartes d'anomalies denses des événements rares</translation>
    </message>
    <message>
        <location filename="../plugin/processing/polygonize.py" line="70"/>
        <source>Simplification tolerance (m)</source>
        <translation>Tolérance de simplification (m)</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="144"/>
        <source>Software: RareSight {version}</source>
        <translation>Logiciel : RareSight {version}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/common.py" line="107"/>
        <source>Some target rasters could not be loaded: check TARGET.</source>
        <translation>Certains rasters cibles n’ont pas pu être chargés : vérifiez TARGET.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="129"/>
        <source>Stop the set-up; what was installed is kept.</source>
        <translation>Arrêter l’installation ; ce qui a été installé est conservé.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/batch.py" line="88"/>
        <source>Summary (CSV)</source>
        <translation>Résumé (CSV)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/fit.py" line="53"/>
        <source>Target rasters (normal imagery to learn)</source>
        <translation>Rasters cibles (imagerie normale à apprendre)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/detect.py" line="83"/>
        <source>Target rasters (one date)</source>
        <translation>Rasters cibles (une seule date)</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="139"/>
        <source>Targets: {targets}</source>
        <translation>Cibles : {targets}</translation>
    </message>
    <message>
        <location filename="../plugin/dock/messages.py" line="25"/>
        <source>The backend could not be started. Use Set up backend at the top of the dock, or set its Python interpreter under Advanced settings. Details: {details}</source>
        <translation>Le moteur n’a pas pu démarrer. Utilisez « Installer le moteur » en haut du panneau, ou choisissez son interpréteur Python dans les réglages avancés. Détails : {details}</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="231"/>
        <source>The backend is ready.</source>
        <translation>Le moteur est prêt.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/messages.py" line="21"/>
        <source>The backend process stopped unexpectedly; nothing was added. The next run starts a fresh backend. Details: {details}</source>
        <translation>Le processus du moteur s'est arrêté de manière inattendue ; rien n'a été ajouté. La prochaine exécution démarrera un nouveau moteur. Détails : {details}</translation>
    </message>
    <message>
        <location filename="../plugin/dock/messages.py" line="28"/>
        <source>The backend refused the request ({kind}): {details}</source>
        <translation>Le moteur a refusé la requête ({kind}) : {details}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/detect.py" line="41"/>
        <source>The checkpoint file {path} does not exist.</source>
        <translation>Le fichier de checkpoint {path} n'existe pas.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/requests.py" line="165"/>
        <source>The checkpoint file {path} does not exist: choose another one, or clear it.</source>
        <translation>Le fichier de checkpoint {path} n'existe pas : choisissez-en un autre, ou videz le champ.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="177"/>
        <source>The chosen method needs more packages: add the profile below.</source>
        <translation>La méthode choisie a besoin d’autres paquets : ajoutez le profil ci-dessous.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="100"/>
        <source>The image to search for anomalies (the event date).</source>
        <translation>L'image dans laquelle rechercher les anomalies (date de l'événement).</translation>
    </message>
    <message>
        <location filename="../plugin/processing/detect.py" line="52"/>
        <source>The model file {path} does not exist.</source>
        <translation>Le fichier de modèle {path} n’existe pas.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/requests.py" line="150"/>
        <source>The model file {path} does not exist: choose another one, or clear it to train on the fly.</source>
        <translation>Le fichier de modèle {path} n’existe pas : choisissez-en un autre, ou videz le champ pour entraîner à la volée.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/fit.py" line="85"/>
        <source>The model is written as safetensors: give an output ending in .safetensors.</source>
        <translation>Le modèle est écrit au format safetensors : indiquez une sortie se terminant par .safetensors.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/requests.py" line="137"/>
        <source>The output folder {folder} is not writable: choose another one.</source>
        <translation>Le dossier de sortie {folder} n'est pas accessible en écriture : choisissez-en un autre.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/polygonize.py" line="92"/>
        <source>The polygons are written as a GeoPackage: give an output ending in .gpkg.</source>
        <translation>Les polygones sont écrits au format GeoPackage : indiquez une sortie se terminant par .gpkg.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/messages.py" line="19"/>
        <source>The run was cancelled; nothing was added.</source>
        <translation>L'exécution a été annulée ; rien n'a été ajouté.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/polygonize.py" line="88"/>
        <source>The score raster is not a valid raster layer.</source>
        <translation>Le raster de score n'est pas une couche raster valide.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="55"/>
        <source>The score's calibration is unreadable: {reason}</source>
        <translation>L'étalonnage du score est illisible : {reason}</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="240"/>
        <source>The set-up failed: {reason}</source>
        <translation>L’installation a échoué : {reason}</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="170"/>
        <source>This plugin version needs other backend packages than the ones installed. Update them to continue.</source>
        <translation>Cette version de l’extension a besoin d’autres paquets du moteur que ceux installés. Mettez-les à jour pour continuer.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/detect.py" line="141"/>
        <source>Threshold at the default false-alarm rate</source>
        <translation>Seuil au taux de fausses alarmes par défaut</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="210"/>
        <source>Tile size</source>
        <translation>Taille des tuiles</translation>
    </message>
    <message>
        <location filename="../plugin/processing/detect.py" line="126"/>
        <source>Tile size (px)</source>
        <translation>Taille des tuiles (px)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/fit.py" line="39"/>
        <source>Train a generative model</source>
        <translation>Entraîner un modèle génératif</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="179"/>
        <source>Train model…</source>
        <translation>Entraîner le modèle…</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="181"/>
        <source>Train the method's model on the chosen image(s), given the references when set, save it in the output folder and use it for the next detections.</source>
        <translation>Entraîne le modèle de la méthode sur la ou les images choisies, sachant les références si elles sont indiquées, l’enregistre dans le dossier de sortie et l’utilise pour les détections suivantes.</translation>
    </message>
    <message>
        <location filename="../plugin/progress_text.py" line="12"/>
        <source>Training</source>
        <translation>Entraînement</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="235"/>
        <source>Training failed</source>
        <translation>Échec de l’entraînement</translation>
    </message>
    <message>
        <location filename="../plugin/processing/fit.py" line="42"/>
        <source>Trains the model of a generative method (diffusion or flow) on the target raster(s), without labels, and saves it as a .safetensors file with its model card beside it (&lt;file&gt;.json). With reference rasters, the model learns the targets given the references (post given pre). Give the file to Detect anomalies as MODEL to score without training again. PARAMETERS takes the method's KEY=VALUE pairs (e.g. steps=600, time_budget_s=60).</source>
        <translation>Entraîne sans étiquettes le modèle d'une méthode générative (diffusion ou flow) sur le ou les rasters cibles et l'enregistre dans un fichier .safetensors, avec sa fiche à côté (&lt;fichier&gt;.json). Avec des rasters de référence, le modèle apprend les cibles sachant les références (après sachant avant). Donnez le fichier à « Détecter les anomalies » comme MODEL pour calculer le score sans nouvel entraînement. PARAMETERS accepte les paires CLÉ=VALEUR de la méthode (par ex. steps=600, time_budget_s=60).</translation>
    </message>
    <message>
        <location filename="../plugin/processing/polygonize.py" line="38"/>
        <source>Turns a RareSight score raster into polygons: one feature per connected region whose score reaches the threshold of the chosen false-alarm rate (from the score's sidecar calibration), with area_m2, max_score, mean_score, method and threshold. Written as a GeoPackage in the raster's CRS.</source>
        <translation>Convertit un raster de score RareSight en polygones : une entité par région connexe dont le score atteint le seuil du taux de fausses alarmes choisi (d'après l'étalonnage du fichier annexe du score), avec les champs area_m2, max_score, mean_score, method et threshold. Écrit au format GeoPackage dans le SCR du raster.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="174"/>
        <source>Update backend</source>
        <translation>Mettre à jour le moteur</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="145"/>
        <source>What the installer does, line by line.</source>
        <translation>Ce que fait l’installateur, ligne par ligne.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="127"/>
        <source>What the target is not; CLIP methods score the prompt against it. Optional.</source>
        <translation>Ce que la cible n'est pas ; les méthodes CLIP opposent l'invite à ce texte. Facultatif.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="120"/>
        <source>What you are looking for; used by prompt methods only.</source>
        <translation>Ce que vous recherchez ; utilisé uniquement par les méthodes à invite.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="195"/>
        <source>about {need} needed, {free} free</source>
        <translation>environ {need} nécessaires, {free} libres</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="125"/>
        <source>e.g. dry fields, river in its bed</source>
        <translation>par ex. champs secs, rivière dans son lit</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="150"/>
        <source>e.g. fit_fraction=0.5</source>
        <translation>par ex. fit_fraction=0.5</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="119"/>
        <source>e.g. flooded area</source>
        <translation>par ex. zone inondée</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="264"/>
        <source>none</source>
        <translation>aucun</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="140"/>
        <source>none (fit on the target itself)</source>
        <translation>aucune (ajustement sur la cible elle-même)</translation>
    </message>
    <message>
        <location filename="../plugin/progress_text.py" line="30"/>
        <source>{hours} h {minutes} min</source>
        <translation>{hours} h {minutes} min</translation>
    </message>
    <message>
        <location filename="../plugin/processing/fit.py" line="101"/>
        <source>{method} model of {bands} band(s), {condition} conditioning: {steps} steps in {seconds:.1f} s.</source>
        <translation>Modèle {method} de {bands} bande(s), conditionnement {condition} : {steps} itérations en {seconds:.1f} s.</translation>
    </message>
    <message>
        <location filename="../plugin/progress_text.py" line="29"/>
        <source>{minutes} min {seconds} s</source>
        <translation>{minutes} min {seconds} s</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="252"/>
        <source>{n:.0f} MB</source>
        <translation>{n:.0f} Mo</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="252"/>
        <source>{n:.1f} GB</source>
        <translation>{n:.1f} Go</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="171"/>
        <source>{n} polygon(s) written to {path}.</source>
        <translation>{n} polygone(s) écrit(s) dans {path}.</translation>
    </message>
    <message>
        <location filename="../plugin/progress_text.py" line="27"/>
        <source>{seconds} s</source>
        <translation>{seconds} s</translation>
    </message>
    <message>
        <location filename="../plugin/progress_text.py" line="38"/>
        <source>{stage}: about {time} left</source>
        <translation>{stage} : il reste environ {time}</translation>
    </message>
    <message>
        <source>MODEL applies to the generative methods ({methods}), not {method}.</source>
        <translation type="vanished">MODEL s’applique aux méthodes génératives ({methods}), pas à {method}.</translation>
    </message>
    <message>
        <source>Python interpreter of the backend environment (default: the .venv inside the plugin folder).</source>
        <translation type="vanished">Interpréteur Python de l'environnement du moteur (par défaut : le .venv du dossier de l'extension).</translation>
    </message>
    <message>
        <source>The backend could not be started. Set its Python interpreter under Advanced settings, or run scripts/setup.sh in the plugin folder. Details: {details}</source>
        <translation type="vanished">Le moteur n'a pas pu être démarré. Définissez son interpréteur Python dans les Paramètres avancés, ou exécutez scripts/setup.sh dans le dossier de l'extension. Détails : {details}</translation>
    </message>
    <message>
        <source>Training writes a new model: leave model= out of the parameters.</source>
        <translation type="vanished">L’entraînement écrit un nouveau modèle : retirez model= des paramètres.</translation>
    </message>
</context>
</TS>
