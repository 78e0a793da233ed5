<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
<context>
    <name>RareSight</name>
    <message>
        <location filename="../plugin/dock/results.py" line="51"/>
        <location filename="../plugin/dock/widgets.py" line="280"/>
        <source> m²</source>
        <translation> m²</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="51"/>
        <location filename="../plugin/dock/widgets.py" line="222"/>
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
        <location filename="../plugin/dock/setup_panel.py" line="196"/>
        <source>(not enough)</source>
        <translation>(insuffisant)</translation>
    </message>
    <message>
        <location filename="../plugin/layers.py" line="56"/>
        <source>A chosen layer is not valid: check that its source still exists.</source>
        <translation>Une couche choisie n'est pas valide : vérifiez que sa source existe toujours.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="113"/>
        <source>A co-registered image of the same date, e.g. SAR; it is aligned onto the first image's grid.</source>
        <translation>Une image coregistrée de la même date, par ex. SAR ; elle est alignée sur la grille de la première image.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="158"/>
        <source>A local open_clip checkpoint for the CLIP methods. Empty: the default model card's weights (downloaded on first use, checksum verified).</source>
        <translation>Un checkpoint open_clip local pour les méthodes CLIP. Vide : les poids de la fiche de modèle par défaut (téléchargés à la première utilisation, somme de contrôle vérifiée).</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="199"/>
        <source>A model saved by Train model (.safetensors) or exported to ONNX (.onnx). Empty: each detection trains a model on the fly.</source>
        <translation>Un modèle enregistré par « Entraîner le modèle » (.safetensors) ou exporté en ONNX (.onnx). Vide : chaque détection entraîne un modèle à la volée.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="116"/>
        <source>A normal reference (pre-event or archive image) in the same order as the images; without one, the method learns normality from the image itself.</source>
        <translation>Une image de référence normale (avant l'événement ou d'archive), dans le même ordre que les images ; sans référence, la méthode apprend la normalité à partir de l'image elle-même.</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="101"/>
        <source>A small generative model of normal imagery, trained on the image (and the reference when given) without labels; flags what it cannot reconstruct. Slower; the best maps on most scenes.</source>
        <translation>Un petit modèle génératif de l'imagerie normale, entraîné sur l'image (et la référence si elle est donnée) sans étiquettes ; signale ce qu'il ne sait pas reconstruire. Plus lent ; les meilleures cartes sur la plupart des scènes.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="216"/>
        <source>Advanced settings</source>
        <translation>Paramètres avancés</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="49"/>
        <source>Advanced settings &gt; Device</source>
        <translation>Paramètres avancés &gt; Processeur</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="36"/>
        <source>Advanced settings &gt; Encoder weights</source>
        <translation>Paramètres avancés &gt; Poids de l'encodeur</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="48"/>
        <source>Advanced settings &gt; Tile size</source>
        <translation>Paramètres avancés &gt; Taille des tuiles</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="380"/>
        <source>Advanced: other parameters as KEY=VALUE pairs separated by spaces or commas; they override the fields above. Their meanings and defaults are in the method's documentation.</source>
        <translation>Avancé : autres paramètres sous forme CLÉ=VALEUR séparés par des espaces ou des virgules ; ils priment sur les champs ci-dessus. Leur sens et leurs valeurs par défaut sont dans la documentation de la méthode.</translation>
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
        <location filename="../plugin/dock/widgets.py" line="230"/>
        <source>Automatic</source>
        <translation>Automatique</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="256"/>
        <source>Backend Python interpreter</source>
        <translation>Interpréteur Python du moteur</translation>
    </message>
    <message>
        <location filename="../plugin/dock/messages.py" line="32"/>
        <source>Backend stopped</source>
        <translation>Moteur arrêté</translation>
    </message>
    <message>
        <location filename="../plugin/dock/messages.py" line="40"/>
        <source>Backend unavailable</source>
        <translation>Moteur indisponible</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="252"/>
        <source>Backend's description: {text}</source>
        <translation>Description du moteur : {text}</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="193"/>
        <source>Backend: RareSight {version}, Python {python}, GDAL {gdal}; {device}</source>
        <translation>Moteur : RareSight {version}, Python {python}, GDAL {gdal} ; {device}</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="174"/>
        <location filename="../plugin/dock/widgets.py" line="90"/>
        <source>Backend: not checked yet</source>
        <translation>Moteur : pas encore vérifié</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="178"/>
        <source>Backend: starting...</source>
        <translation>Moteur : démarrage...</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="185"/>
        <source>Backend: unavailable ({title})</source>
        <translation>Moteur : indisponible ({title})</translation>
    </message>
    <message>
        <location filename="../plugin/processing/batch.py" line="32"/>
        <source>Batch of scenes (Dask)</source>
        <translation>Lot de scènes (Dask)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/inputs.py" line="119"/>
        <source>By acquisition date: {reference} ({before}) is the reference, {image} ({after}) the image.</source>
        <translation>D'après les dates d'acquisition : {reference} ({before}) est la référence, {image} ({after}) l'image.</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="132"/>
        <source>CLIP Grad-CAM</source>
        <translation>CLIP Grad-CAM</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="164"/>
        <source>CLIP checkpoint</source>
        <translation>Checkpoint CLIP</translation>
    </message>
    <message>
        <location filename="../plugin/processing/detect.py" line="101"/>
        <source>CLIP checkpoint (CLIP methods only)</source>
        <translation>Checkpoint CLIP (méthodes CLIP uniquement)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="161"/>
        <source>CLIP checkpoints (*.safetensors *.pt *.pth *.bin);;All files (*)</source>
        <translation>Checkpoints CLIP (*.safetensors *.pt *.pth *.bin);;Tous les fichiers (*)</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="138"/>
        <source>CLIP gScoreCAM</source>
        <translation>CLIP gScoreCAM</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="124"/>
        <source>CLIP similarity</source>
        <translation>Similarité CLIP</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="108"/>
        <source>CLIP: adds the CLIP prompt maps</source>
        <translation>CLIP : ajoute les cartes CLIP par requête</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="113"/>
        <location filename="../plugin/dock/widgets.py" line="230"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="191"/>
        <source>CPU only</source>
        <translation>CPU uniquement</translation>
    </message>
    <message>
        <location filename="../plugin/progress_text.py" line="15"/>
        <source>Calibrating</source>
        <translation>Calibration</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="244"/>
        <source>Calibration: {source}, {n} samples. {shown}</source>
        <translation>Calibration : {source}, {n} échantillons. {shown}</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="128"/>
        <location filename="../plugin/dock/widgets.py" line="75"/>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <location filename="../plugin/dock/messages.py" line="29"/>
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
        <location filename="../plugin/dock/panel.py" line="352"/>
        <source>Cancelling...</source>
        <translation>Annulation...</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="221"/>
        <source>Cancelling…</source>
        <translation>Annulation…</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="98"/>
        <location filename="../plugin/dock/results.py" line="121"/>
        <source>Cannot add the result</source>
        <translation>Impossible d'ajouter le résultat</translation>
    </message>
    <message>
        <location filename="../plugin/dock/requests.py" line="142"/>
        <source>Cannot create the output folder {folder}: {reason}</source>
        <translation>Impossible de créer le dossier de sortie {folder} : {reason}</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="260"/>
        <source>Cannot start</source>
        <translation>Impossible de démarrer</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="87"/>
        <source>Change in SAR backscatter between the reference and the image (smoothed log-ratio).</source>
        <translation>Changement de rétrodiffusion SAR entre la référence et l'image (log-ratio lissé).</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="78"/>
        <source>Change vector (optical)</source>
        <translation>Vecteur de changement (optique)</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="23"/>
        <source>Changes between two dates</source>
        <translation>Changements entre deux dates</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="251"/>
        <source>Check backend</source>
        <translation>Vérifier le moteur</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="162"/>
        <source>Choose a CLIP checkpoint</source>
        <translation>Choisir un checkpoint CLIP</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="203"/>
        <source>Choose a saved model</source>
        <translation>Choisir un modèle enregistré</translation>
    </message>
    <message>
        <location filename="../plugin/dock/requests.py" line="109"/>
        <source>Choose the image to analyse first.</source>
        <translation>Choisissez d'abord l'image à analyser.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="47"/>
        <location filename="../plugin/dock/widgets.py" line="172"/>
        <source>Combine with anomaly method</source>
        <translation>Combiner avec la méthode d'anomalie</translation>
    </message>
    <message>
        <location filename="../plugin/processing/detect.py" line="109"/>
        <source>Combine with anomaly method (prompt methods only)</source>
        <translation>Combiner avec la méthode d'anomalie (méthodes à invite uniquement)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/common.py" line="65"/>
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
        <location filename="../plugin/catalogue.py" line="125"/>
        <source>Dense similarity between image patches and the prompt, against the negative prompt (CLIP, training-free).</source>
        <translation>Similarité dense entre les imagettes et la requête, face à la requête négative (CLIP, sans entraînement).</translation>
    </message>
    <message>
        <location filename="../plugin/dock/messages.py" line="114"/>
        <source>Details</source>
        <translation>Détails</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="52"/>
        <location filename="../plugin/dock/widgets.py" line="73"/>
        <location filename="../plugin/processing/detect.py" line="66"/>
        <source>Detect anomalies</source>
        <translation>Détecter les anomalies</translation>
    </message>
    <message>
        <location filename="../plugin/dock/messages.py" line="46"/>
        <source>Detection failed</source>
        <translation>Échec de la détection</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="299"/>
        <source>Detection finished</source>
        <translation>Détection terminée</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="118"/>
        <location filename="../plugin/dock/widgets.py" line="254"/>
        <location filename="../plugin/processing/common.py" line="56"/>
        <source>Device</source>
        <translation>Périphérique de calcul</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="100"/>
        <source>Diffusion model (learned)</source>
        <translation>Modèle de diffusion (appris)</translation>
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
        <location filename="../plugin/dock/widgets.py" line="255"/>
        <source>Encoder weights</source>
        <translation>Poids de l'encodeur</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="198"/>
        <source>Every valid pixel has the same value: nothing stands out, so nothing is shown.</source>
        <translation>Tous les pixels valides ont la même valeur : rien ne ressort, donc rien n'est affiché.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="172"/>
        <location filename="../plugin/dock/widgets.py" line="272"/>
        <source>Expected share of normal pixels shown as anomalous (log scale).</source>
        <translation>Part attendue de pixels normaux affichés comme anomalies (échelle logarithmique).</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="284"/>
        <source>Export polygons</source>
        <translation>Exporter les polygones</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="171"/>
        <location filename="../plugin/dock/widgets.py" line="273"/>
        <location filename="../plugin/processing/polygonize.py" line="50"/>
        <source>False-alarm rate</source>
        <translation>Taux de fausses alarmes</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="220"/>
        <source>False-alarm rate {rate}: showing scores above {threshold}.</source>
        <translation>Taux de fausses alarmes {rate} : scores supérieurs à {threshold} affichés.</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="25"/>
        <source>Find what I describe</source>
        <translation>Trouver ce que je décris</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="172"/>
        <source>Fit on</source>
        <translation>Ajuster sur</translation>
    </message>
    <message>
        <location filename="../plugin/progress_text.py" line="13"/>
        <source>Fitting the encoder expert</source>
        <translation>Ajustement de l'expert de l'encodeur</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="113"/>
        <source>Flow matching</source>
        <translation>Flow matching</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="108"/>
        <source>Flow-matching model (learned)</source>
        <translation>Modèle de flow matching (appris)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="239"/>
        <source>Folder holding the pretrained encoder's released files, for the learned methods on Sentinel-2 pairs. Empty: downloaded on first use when the computer is online.</source>
        <translation>Dossier contenant les fichiers publiés de l'encodeur pré-entraîné, pour les méthodes apprises sur des paires Sentinel-2. Vide : téléchargés à la première utilisation si l'ordinateur est en ligne.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="187"/>
        <source>Folder where score rasters and polygons are written (kept after QGIS closes).</source>
        <translation>Dossier où sont écrits les rasters de score et les polygones (conservés après la fermeture de QGIS).</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="230"/>
        <source>GPU (CUDA)</source>
        <translation>GPU (CUDA)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="191"/>
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
        <location filename="../plugin/catalogue.py" line="92"/>
        <source>Gaussian model of the change (any sensors)</source>
        <translation>Modèle gaussien du changement (tous capteurs)</translation>
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
        <location filename="../plugin/processing/common.py" line="105"/>
        <source>Give at least one target raster.</source>
        <translation>Indiquez au moins un raster cible.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="104"/>
        <source>Image (e.g. optical)</source>
        <translation>Image (par ex. optique)</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="242"/>
        <source>Images: {targets}</source>
        <translation>Images : {targets}</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="96"/>
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
        <location filename="../plugin/dock/widgets.py" line="168"/>
        <source>Keep only what is both like the prompt and anomalous for this method (default threshold 0.5: both default thresholds passed).</source>
        <translation>Ne garder que ce qui correspond à l'invite et est anormal pour cette méthode (seuil par défaut 0,5 : les deux seuils par défaut sont franchis).</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="224"/>
        <source>Largest side of the tiles the image is scored in (default 512 px): the image is covered by the fewest such tiles. Smaller tiles use less memory.</source>
        <translation>Côté maximal des tuiles dans lesquelles l'image est évaluée (512 px par défaut) : l'image est couverte par le moins de tuiles possible. Des tuiles plus petites utilisent moins de mémoire.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="379"/>
        <source>Last run failed: {title}.</source>
        <translation>Dernière exécution en échec : {title}.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="377"/>
        <source>Last run: cancelled; nothing was added.</source>
        <translation>Dernière exécution : annulée ; rien n’a été ajouté.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="306"/>
        <source>Last run: {name}, finished in {time}.</source>
        <translation>Dernière exécution : {name}, terminée en {time}.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="300"/>
        <source>Layer "{name}" added; move the slider to change what is shown.</source>
        <translation>Couche « {name} » ajoutée ; déplacez le curseur pour changer ce qui est affiché.</translation>
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
        <location filename="../plugin/catalogue.py" line="109"/>
        <source>Like the diffusion model, with a flow-matching network: a generative model of normal imagery trained without labels.</source>
        <translation>Comme le modèle de diffusion, avec un réseau de flow matching : un modèle génératif de l'imagerie normale entraîné sans étiquettes.</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="75"/>
        <source>Local RX</source>
        <translation>RX local</translation>
    </message>
    <message>
        <location filename="../plugin/processing/batch.py" line="78"/>
        <source>Local workers (0: one per core)</source>
        <translation>Workers locaux (0 : un par cœur)</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="218"/>
        <source>Made without the encoder</source>
        <translation>Carte faite sans l'encodeur</translation>
    </message>
    <message>
        <location filename="../plugin/progress_text.py" line="17"/>
        <source>Masking</source>
        <translation>Masquage</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="128"/>
        <location filename="../plugin/dock/widgets.py" line="146"/>
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
        <location filename="../plugin/dock/requests.py" line="73"/>
        <source>Method {method} has no model to train: choose a generative method (diffusion, flow).</source>
        <translation>La méthode {method} n’a pas de modèle à entraîner : choisissez une méthode générative (diffusion, flow).</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="238"/>
        <source>Method: {title} ({method}). {description}</source>
        <translation>Méthode : {title} ({method}). {description}</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="51"/>
        <location filename="../plugin/dock/widgets.py" line="291"/>
        <source>Minimum area</source>
        <translation>Surface minimale</translation>
    </message>
    <message>
        <location filename="../plugin/processing/polygonize.py" line="61"/>
        <source>Minimum area (m²)</source>
        <translation>Surface minimale (m²)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="183"/>
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
        <location filename="../plugin/dock/panel.py" line="283"/>
        <source>Model trained</source>
        <translation>Modèle entraîné</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="275"/>
        <source>Model {name} saved ({steps} steps in {seconds:.1f} s); detections with {method} now use it.</source>
        <translation>Modèle {name} enregistré ({steps} itérations en {seconds:.1f} s) ; les détections avec {method} l’utilisent désormais.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="392"/>
        <source>Needs a reference (the pre-event image).</source>
        <translation>Nécessite une référence (l'image d'avant l'événement).</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="154"/>
        <source>Negative prompt</source>
        <translation>Invite négative</translation>
    </message>
    <message>
        <location filename="../plugin/processing/detect.py" line="95"/>
        <source>Negative prompt (CLIP methods only)</source>
        <translation>Invite négative (méthodes CLIP uniquement)</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="116"/>
        <source>No NVIDIA GPU is available to the backend: set Advanced settings &gt; Device to Automatic or CPU.</source>
        <translation>Aucun GPU NVIDIA n'est disponible pour le moteur : réglez Paramètres avancés &gt; Processeur sur Automatique ou CPU.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="206"/>
        <source>No calibration found beside this score layer.</source>
        <translation>Aucun étalonnage trouvé à côté de cette couche de score.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="199"/>
        <source>No score layer selected: run a detection, or choose a score layer.</source>
        <translation>Aucune couche de score choisie : lancez une détection, ou choisissez une couche de score.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="127"/>
        <source>None</source>
        <translation>Aucune</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="215"/>
        <location filename="../plugin/backend_text.py" line="227"/>
        <location filename="../plugin/backend_text.py" line="231"/>
        <source>Note from the backend</source>
        <translation>Remarque du moteur</translation>
    </message>
    <message>
        <location filename="../plugin/processing/polygonize.py" line="82"/>
        <source>Number of polygons</source>
        <translation>Nombre de polygones</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="182"/>
        <source>Other parameters</source>
        <translation>Autres paramètres</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="197"/>
        <source>Outer window side in pixels: the surroundings each pixel is compared with.</source>
        <translation>Côté de la fenêtre extérieure en pixels : le voisinage auquel chaque pixel est comparé.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="190"/>
        <location filename="../plugin/processing/batch.py" line="87"/>
        <source>Output folder</source>
        <translation>Dossier de sortie</translation>
    </message>
    <message>
        <location filename="../plugin/layers.py" line="46"/>
        <source>Parameters take KEY=VALUE pairs, e.g. fit_fraction=0.5; got {item}.</source>
        <translation>Les paramètres s’écrivent en paires CLÉ=VALEUR, par ex. fit_fraction=0.5 ; reçu : {item}.</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="230"/>
        <source>Pixels above the threshold chosen with the slider are shown (the method's own threshold by default).</source>
        <translation>Les pixels au-dessus du seuil choisi avec le curseur sont affichés (le seuil propre de la méthode par défaut).</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="235"/>
        <source>Pixels above the threshold of the chosen false-alarm rate are shown.</source>
        <translation>Les pixels au-dessus du seuil du taux de fausses alarmes choisi sont affichés.</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="65"/>
        <source>Pixels far from the scene's usual spectra (Mahalanobis distance to the scene's mean and covariance). Fast; a classical baseline.</source>
        <translation>Pixels éloignés des spectres habituels de la scène (distance de Mahalanobis à la moyenne et à la covariance de la scène). Rapide ; une référence classique.</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="73"/>
        <source>Pixels unlike the ring of pixels around them: small targets against their surroundings.</source>
        <translation>Pixels différents de l'anneau de pixels qui les entoure : petites cibles face à leur voisinage.</translation>
    </message>
    <message>
        <location filename="../plugin/progress_text.py" line="18"/>
        <source>Polygonizing</source>
        <translation>Polygonisation</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="263"/>
        <source>Polygons</source>
        <translation>Polygones</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="274"/>
        <source>Polygons exported</source>
        <translation>Polygones exportés</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="238"/>
        <source>Polygons of {score} (above {threshold}, at least {area})</source>
        <translation>Polygones de {score} (au-dessus de {threshold}, au moins {area})</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="242"/>
        <source>Polygons of {score} ({rate} false alarms, at least {area})</source>
        <translation>Polygones de {score} ({rate} de fausses alarmes, au moins {area})</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="282"/>
        <source>Polygons smaller than this are left out (in m², or in pixels for a layer without a CRS).</source>
        <translation>Les polygones plus petits sont écartés (en m², ou en pixels pour une couche sans SCR).</translation>
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
        <location filename="../plugin/catalogue.py" line="93"/>
        <source>Predicts the image from the reference, even from another sensor (e.g. SAR against optical), and flags what the prediction misses.</source>
        <translation>Prédit l'image à partir de la référence, même d'un autre capteur (p. ex. SAR face à optique), et signale ce que la prédiction manque.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="117"/>
        <source>Profile</source>
        <translation>Profil</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="85"/>
        <source>Progress of the running task.</source>
        <translation>Avancement de la tâche en cours.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="148"/>
        <source>Prompt</source>
        <translation>Invite textuelle</translation>
    </message>
    <message>
        <location filename="../plugin/processing/detect.py" line="91"/>
        <source>Prompt (prompt methods only)</source>
        <translation>Invite textuelle (méthodes à invite uniquement)</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="117"/>
        <source>Published index rules for the prompt (flood/water, burn scar, vegetation loss, bare soil, cloud); no model to download. Positive = like the prompt.</source>
        <translation>Règles d'indices publiées pour la requête (inondation/eau, brûlis, perte de végétation, sol nu, nuage) ; aucun modèle à télécharger. Positif = comme la requête.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="246"/>
        <source>Python interpreter of the backend environment (default: the environment Set up backend makes).</source>
        <translation>Interpréteur Python de l’environnement du moteur (par défaut : celui que crée « Installer le moteur »).</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="122"/>
        <source>QGIS cannot read {path}.</source>
        <translation>QGIS ne peut pas lire {path}.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="104"/>
        <source>QGIS's layer {0} cannot be read by the backend: export it as a GeoTIFF (right-click &gt; Export &gt; Save As...) and use that.</source>
        <translation>La couche {0} ne peut pas être lue par le moteur : exportez-la en GeoTIFF (clic droit &gt; Exporter &gt; Sauvegarder sous...) et utilisez cette copie.</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="64"/>
        <source>RX (global)</source>
        <translation>RX (global)</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="72"/>
        <source>RX (local window)</source>
        <translation>RX (fenêtre locale)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="54"/>
        <location filename="../plugin/processing/provider.py" line="24"/>
        <source>RareSight</source>
        <translation>RareSight</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="234"/>
        <source>RareSight anomaly score: higher means more anomalous; no data where the score is empty.</source>
        <translation>Score d'anomalie RareSight : plus il est élevé, plus le pixel est anormal ; pas de donnée là où le score est vide.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="390"/>
        <source>RareSight backend</source>
        <translation>Moteur RareSight</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="202"/>
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
        <location filename="../plugin/styling.py" line="227"/>
        <source>RareSight prompt map for "{prompt}": higher means more like the prompt; no data where the map is empty.</source>
        <translation>Carte de requête RareSight pour « {prompt} » : plus la valeur est haute, plus le pixel ressemble à la requête ; pas de donnée là où la carte est vide.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="181"/>
        <source>RareSight runs its detections in its own Python environment, which is not set up yet. Choose what to install; it goes to your user folder and survives plugin updates.</source>
        <translation>RareSight exécute ses détections dans son propre environnement Python, qui n’est pas encore installé. Choisissez quoi installer ; il va dans votre dossier utilisateur et survit aux mises à jour de l’extension.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="179"/>
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
        <location filename="../plugin/dock/panel.py" line="245"/>
        <source>RareSight: detecting anomalies</source>
        <translation>RareSight : détection des anomalies</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="246"/>
        <source>RareSight: exporting polygons</source>
        <translation>RareSight : export des polygones</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="65"/>
        <source>RareSight: setting up the backend</source>
        <translation>RareSight : installation du moteur</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="250"/>
        <source>RareSight: training a model</source>
        <translation>RareSight : entraînement d’un modèle</translation>
    </message>
    <message>
        <location filename="../plugin/progress_text.py" line="11"/>
        <source>Reading the fit data</source>
        <translation>Lecture des données d'ajustement</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="106"/>
        <location filename="../plugin/dock/widgets.py" line="415"/>
        <source>Reference (pre-event, optional)</source>
        <translation>Référence (avant l'événement, facultative)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="413"/>
        <source>Reference (pre-event, required)</source>
        <translation>Référence (avant l’événement, requise)</translation>
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
        <location filename="../plugin/styling.py" line="243"/>
        <source>Reference: {refs}</source>
        <translation>Référence : {refs}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/batch.py" line="86"/>
        <source>Rerun complete jobs</source>
        <translation>Relancer les tâches complètes</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="262"/>
        <source>Result</source>
        <translation>Résultat</translation>
    </message>
    <message>
        <location filename="../plugin/dock/inputs.py" line="205"/>
        <source>Run the chosen method on the chosen images in the background and add the result to the map.</source>
        <translation>Lancer la méthode choisie sur les images choisies en arrière-plan et ajouter le résultat à la carte.</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="86"/>
        <location filename="../plugin/catalogue.py" line="89"/>
        <source>SAR log-ratio</source>
        <translation>Log-ratio SAR</translation>
    </message>
    <message>
        <location filename="../plugin/processing/detect.py" line="118"/>
        <source>Saved model (generative methods only)</source>
        <translation>Modèle enregistré (méthodes génératives uniquement)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="288"/>
        <source>Score layer</source>
        <translation>Couche de score</translation>
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
        <location filename="../plugin/styling.py" line="144"/>
        <source>Score: {meaning}</source>
        <translation>Score : {meaning}</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="241"/>
        <source>Score: {meaning}.</source>
        <translation>Score : {meaning}.</translation>
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
        <location filename="../plugin/dock/widgets.py" line="105"/>
        <source>Second image (e.g. SAR, optional)</source>
        <translation>Seconde image (par ex. SAR, facultative)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="108"/>
        <source>Second reference (optional)</source>
        <translation>Seconde référence (facultative)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="394"/>
        <source>Set encoder weights…</source>
        <translation>Choisir les poids de l'encodeur…</translation>
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
        <location filename="../plugin/catalogue.py" line="173"/>
        <source>Share of the most typical pixels the normal model is fit on. 100 %: all pixels (the classical RX); 50 %: robust when the event covers a large part of the scene.</source>
        <translation>Part des pixels les plus typiques sur laquelle le modèle normal est ajusté. 100 % : tous les pixels (le RX classique) ; 50 % : robuste quand l'événement couvre une grande partie de la scène.</translation>
    </message>
    <message>
        <location filename="../plugin/main.py" line="60"/>
        <source>Show the RareSight panel: dense anomaly maps of rare events</source>
        <translation>Afficher le panneau RareSight : cartes d'anomalies denses des événements rares</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="210"/>
        <source>Showing pixels above {threshold}: {share} of the scene.</source>
        <translation>Pixels au-dessus de {threshold} affichés : {share} de la scène.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/polygonize.py" line="70"/>
        <source>Simplification tolerance (m)</source>
        <translation>Tolérance de simplification (m)</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="79"/>
        <source>Size of the spectral change between the reference and the image, each date standardised band by band.</source>
        <translation>Ampleur du changement spectral entre la référence et l'image, chaque date étant standardisée bande par bande.</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="190"/>
        <source>Smoothing</source>
        <translation>Lissage</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="191"/>
        <source>Smoothing window in pixels before comparing the dates (speckle filter for SAR).</source>
        <translation>Fenêtre de lissage en pixels avant de comparer les dates (filtre de chatoiement pour le SAR).</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="247"/>
        <source>Software: RareSight {version}</source>
        <translation>Logiciel : RareSight {version}</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="174"/>
        <source>Some layers are not georeferenced: they are taken to share the image's pixel grid.</source>
        <translation>Certaines couches ne sont pas géoréférencées : elles sont supposées partager la grille de pixels de l'image.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/common.py" line="108"/>
        <source>Some target rasters could not be loaded: check TARGET.</source>
        <translation>Certains rasters cibles n’ont pas pu être chargés : vérifiez TARGET.</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="121"/>
        <source>Spectral</source>
        <translation>Spectral</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="116"/>
        <source>Spectral rules (water, burn, bare soil...)</source>
        <translation>Règles spectrales (eau, brûlis, sol nu...)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="252"/>
        <source>Start the backend and show its versions and device.</source>
        <translation>Démarrer le moteur et afficher ses versions et son processeur.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="333"/>
        <source>Starting the backend…</source>
        <translation>Démarrage du moteur…</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="333"/>
        <source>Starting…</source>
        <translation>Démarrage…</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="77"/>
        <source>Stop the running task; nothing is added and no partial file is left.</source>
        <translation>Arrêter la tâche en cours ; rien n'est ajouté et aucun fichier partiel ne reste.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="129"/>
        <source>Stop the set-up; what was installed is kept.</source>
        <translation>Arrêter l’installation ; ce qui a été installé est conservé.</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="185"/>
        <source>Stop training after this many seconds (0: no limit).</source>
        <translation>Arrêter l'entraînement après ce nombre de secondes (0 : sans limite).</translation>
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
        <location filename="../plugin/dock/widgets.py" line="267"/>
        <source>The RareSight result the slider and Export polygons act on.</source>
        <translation>Le résultat RareSight sur lequel agissent le curseur et l'export des polygones.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/inputs.py" line="100"/>
        <source>The acquisition dates could not be read: check that the Image is the later (post-event) image and the Reference the earlier one.</source>
        <translation>Les dates d'acquisition n'ont pas pu être lues : vérifiez que l'Image est la plus récente (après l'événement) et la Référence la plus ancienne.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/messages.py" line="41"/>
        <source>The backend could not be started. Use Set up backend at the top of the dock, or set its Python interpreter under Advanced settings.</source>
        <translation>Le moteur n'a pas pu démarrer. Utilisez Installer le moteur en haut du panneau, ou indiquez son interpréteur Python dans les paramètres avancés.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="231"/>
        <source>The backend is ready.</source>
        <translation>Le moteur est prêt.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="154"/>
        <source>The backend met an unexpected problem; nothing was added. The details are in the RareSight log panel.</source>
        <translation>Le moteur a rencontré un problème inattendu ; rien n'a été ajouté. Les détails sont dans le journal RareSight.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="228"/>
        <source>The backend noted something about this run (in English, under Details).</source>
        <translation>Le moteur a fait une remarque sur cette exécution (en anglais, sous Détails).</translation>
    </message>
    <message>
        <location filename="../plugin/dock/messages.py" line="33"/>
        <source>The backend process stopped unexpectedly; nothing was added. The next run starts a fresh backend.</source>
        <translation>Le processus du moteur s'est arrêté de façon inattendue ; rien n'a été ajouté. La prochaine exécution démarre un nouveau moteur.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="162"/>
        <source>The backend refused the run; its message (in English) is under Details.</source>
        <translation>Le moteur a refusé l'exécution ; son message (en anglais) est sous Détails.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/messages.py" line="115"/>
        <source>The backend's own message (also in the RareSight log panel).</source>
        <translation>Le message du moteur lui-même (aussi dans le journal RareSight).</translation>
    </message>
    <message>
        <location filename="../plugin/processing/detect.py" line="41"/>
        <source>The checkpoint file {path} does not exist.</source>
        <translation>Le fichier de checkpoint {path} n'existe pas.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/requests.py" line="176"/>
        <source>The checkpoint file {path} does not exist: choose another one, or clear it.</source>
        <translation>Le fichier de checkpoint {path} n'existe pas : choisissez-en un autre, ou videz le champ.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="132"/>
        <source>The chosen images have (almost) no valid pixel in common: check the layers, their overlap and their no-data values.</source>
        <translation>Les images choisies n'ont (presque) aucun pixel valide en commun : vérifiez les couches, leur recouvrement et leurs valeurs sans donnée.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="177"/>
        <source>The chosen method needs more packages: add the profile below.</source>
        <translation>La méthode choisie a besoin d’autres paquets : ajoutez le profil ci-dessous.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="84"/>
        <source>The file {0} no longer exists: check the layer's source.</source>
        <translation>Le fichier {0} n'existe plus : vérifiez la source de la couche.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="194"/>
        <source>The image and the reference are identical: nothing changed, so nothing is shown.</source>
        <translation>L'image et la référence sont identiques : rien n'a changé, donc rien n'est affiché.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="186"/>
        <source>The image has no blue and red bands: clouds cannot be masked.</source>
        <translation>L'image n'a pas de bandes bleue et rouge : les nuages ne peuvent pas être masqués.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="111"/>
        <source>The image to search for anomalies (the event date, i.e. after).</source>
        <translation>L'image dans laquelle chercher des anomalies (la date de l'événement, c.-à-d. après).</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="178"/>
        <source>The layer has no CRS: polygon areas and the minimum area are in pixels.</source>
        <translation>La couche n'a pas de SCR : les surfaces des polygones et la surface minimale sont en pixels.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="219"/>
        <source>The map was made without the pretrained encoder: its weights are not on this computer and could not be downloaded. Choose the folder that holds them under Advanced settings &gt; Encoder weights, then run again.</source>
        <translation>La carte a été faite sans l'encodeur pré-entraîné : ses poids ne sont pas sur cet ordinateur et n'ont pas pu être téléchargés. Choisissez le dossier qui les contient dans Paramètres avancés &gt; Poids de l'encodeur, puis relancez.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/detect.py" line="52"/>
        <source>The model file {path} does not exist.</source>
        <translation>Le fichier de modèle {path} n’existe pas.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/requests.py" line="161"/>
        <source>The model file {path} does not exist: choose another one, or clear it to train on the fly.</source>
        <translation>Le fichier de modèle {path} n’existe pas : choisissez-en un autre, ou videz le champ pour entraîner à la volée.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/fit.py" line="85"/>
        <source>The model is written as safetensors: give an output ending in .safetensors.</source>
        <translation>Le modèle est écrit au format safetensors : indiquez une sortie se terminant par .safetensors.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="182"/>
        <source>The optical image lacks {0}: the {1} map uses the SAR image only.</source>
        <translation>L'image optique n'a pas {0} : la carte {1} n'utilise que l'image SAR.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="120"/>
        <source>The output folder {0} cannot be used: choose another Output folder.</source>
        <translation>Le dossier de sortie {0} n'est pas utilisable : choisissez un autre Dossier de sortie.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/requests.py" line="148"/>
        <source>The output folder {folder} is not writable: choose another one.</source>
        <translation>Le dossier de sortie {folder} n'est pas accessible en écriture : choisissez-en un autre.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="80"/>
        <source>The parameter {0}={1} is not valid: check its value in Other parameters.</source>
        <translation>Le paramètre {0}={1} n'est pas valide : vérifiez sa valeur dans Autres paramètres.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/polygonize.py" line="92"/>
        <source>The polygons are written as a GeoPackage: give an output ending in .gpkg.</source>
        <translation>Les polygones sont écrits au format GeoPackage : indiquez une sortie se terminant par .gpkg.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="161"/>
        <source>The prompt map's threshold: pixels above it are shown. It starts at the method's own threshold.</source>
        <translation>Le seuil de la carte de requête : les pixels au-dessus sont affichés. Il part du seuil propre de la méthode.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="121"/>
        <source>The reference of the second image (e.g. the pre-event SAR image), when a second image is chosen.</source>
        <translation>La référence de la seconde image (p. ex. l'image SAR d'avant l'événement), quand une seconde image est choisie.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="92"/>
        <source>The reference {0} has {1} band(s) but the image {2} has {3}: choose a reference from the same sensor, with the same bands.</source>
        <translation>La référence {0} a {1} bande(s) mais l'image {2} en a {3} : choisissez une référence du même capteur, avec les mêmes bandes.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/messages.py" line="29"/>
        <source>The run was cancelled; nothing was added.</source>
        <translation>L'exécution a été annulée ; rien n'a été ajouté.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/polygonize.py" line="88"/>
        <source>The score raster is not a valid raster layer.</source>
        <translation>Le raster de score n'est pas une couche raster valide.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="99"/>
        <source>The score's calibration is unreadable: {reason}</source>
        <translation>L'étalonnage du score est illisible : {reason}</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="240"/>
        <source>The set-up failed: {reason}</source>
        <translation>L’installation a échoué : {reason}</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="214"/>
        <source>This is the method's own threshold.</source>
        <translation>C'est le seuil propre de la méthode.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="384"/>
        <source>This method also takes: {names}</source>
        <translation>Cette méthode accepte aussi : {names}</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="170"/>
        <source>This plugin version needs other backend packages than the ones installed. Update them to continue.</source>
        <translation>Cette version de l’extension a besoin d’autres paquets du moteur que ceux installés. Mettez-les à jour pour continuer.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/results.py" line="159"/>
        <source>Threshold</source>
        <translation>Seuil</translation>
    </message>
    <message>
        <location filename="../plugin/processing/detect.py" line="141"/>
        <source>Threshold at the default false-alarm rate</source>
        <translation>Seuil au taux de fausses alarmes par défaut</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="253"/>
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
        <location filename="../plugin/backend_text.py" line="53"/>
        <source>Train model</source>
        <translation>Entraîner le modèle</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="205"/>
        <source>Train model…</source>
        <translation>Entraîner le modèle…</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="207"/>
        <source>Train the method's model on the chosen image(s), given the references when set, save it in the output folder and use it for the next detections.</source>
        <translation>Entraîne le modèle de la méthode sur la ou les images choisies, sachant les références si elles sont indiquées, l’enregistre dans le dossier de sortie et l’utilise pour les détections suivantes.</translation>
    </message>
    <message>
        <location filename="../plugin/progress_text.py" line="12"/>
        <source>Training</source>
        <translation>Entraînement</translation>
    </message>
    <message>
        <location filename="../plugin/dock/panel.py" line="269"/>
        <source>Training failed</source>
        <translation>Échec de l’entraînement</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="178"/>
        <source>Training steps</source>
        <translation>Pas d'entraînement</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="179"/>
        <source>Training steps of the generative model: fewer is faster, more fits normal imagery better.</source>
        <translation>Pas d'entraînement du modèle génératif : moins est plus rapide, plus ajuste mieux l'imagerie normale.</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="184"/>
        <source>Training time limit</source>
        <translation>Durée maximale d'entraînement</translation>
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
        <location filename="../plugin/backend_text.py" line="76"/>
        <source>Unknown parameter {0} in Other parameters; this method takes {1}.</source>
        <translation>Paramètre inconnu {0} dans Autres paramètres ; cette méthode accepte {1}.</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="24"/>
        <source>Unusual in one image</source>
        <translation>Inhabituel dans une image</translation>
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
        <location filename="../plugin/dock/widgets.py" line="152"/>
        <source>What the target is not; CLIP methods score the prompt against it. Optional.</source>
        <translation>Ce que la cible n'est pas ; les méthodes CLIP opposent l'invite à ce texte. Facultatif.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="138"/>
        <source>What to look for: methods are grouped by task; the code in brackets is the method's name on the command line.</source>
        <translation>Ce qu'il faut chercher : les méthodes sont groupées par tâche ; le code entre parenthèses est le nom de la méthode en ligne de commande.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="145"/>
        <source>What you are looking for; used by prompt methods only.</source>
        <translation>Ce que vous recherchez ; utilisé uniquement par les méthodes à invite.</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="133"/>
        <source>Where CLIP looks when it tells the prompt from the negative prompt (Grad-CAM).</source>
        <translation>Où CLIP regarde quand il distingue la requête de la requête négative (Grad-CAM).</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="139"/>
        <source>Where CLIP looks when it tells the prompt from the negative prompt (gScoreCAM).</source>
        <translation>Où CLIP regarde quand il distingue la requête de la requête négative (gScoreCAM).</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="235"/>
        <source>Where the learned methods run: Automatic uses an NVIDIA GPU when the backend finds one.</source>
        <translation>Où tournent les méthodes apprises : Automatique utilise un GPU NVIDIA quand le moteur en trouve un.</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="196"/>
        <source>Window</source>
        <translation>Fenêtre</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="286"/>
        <source>Write the shown pixels as polygons (GeoPackage beside the score) and add them to the map.</source>
        <translation>Écrire les pixels affichés en polygones (GeoPackage à côté du score) et les ajouter à la carte.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/setup_panel.py" line="195"/>
        <source>about {need} needed, {free} free</source>
        <translation>environ {need} nécessaires, {free} libres</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="104"/>
        <source>above {value}: the method's threshold</source>
        <translation>au-dessus de {value} : le seuil de la méthode</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="106"/>
        <source>above {value}: threshold, {rate} false alarms</source>
        <translation>au-dessus de {value} : seuil, {rate} de fausses alarmes</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="88"/>
        <source>absolute log-ratio of intensities (natural log)</source>
        <translation>log-ratio absolu des intensités (logarithme naturel)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="181"/>
        <source>advanced: KEY=VALUE ...</source>
        <translation>avancé : CLÉ=VALEUR ...</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="82"/>
        <source>change magnitude (standard deviations)</source>
        <translation>ampleur du changement (écarts-types)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="150"/>
        <source>e.g. dry fields, river in its bed</source>
        <translation>par ex. champs secs, rivière dans son lit</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="144"/>
        <source>e.g. flooded area</source>
        <translation>par ex. zone inondée</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="120"/>
        <source>margin of the index rule (index units; above 0 = like the prompt)</source>
        <translation>marge de la règle d'indice (unités d'indice ; au-dessus de 0 = comme la requête)</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="383"/>
        <source>none</source>
        <translation>aucun</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="243"/>
        <source>none (fit on the image itself)</source>
        <translation>aucune (ajusté sur l'image elle-même)</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="134"/>
        <location filename="../plugin/catalogue.py" line="140"/>
        <source>prompt relevance (higher = more like the prompt)</source>
        <translation>pertinence pour la requête (plus haut = plus proche de la requête)</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="128"/>
        <source>prompt similarity (higher = more like the prompt)</source>
        <translation>similarité avec la requête (plus haut = plus proche de la requête)</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="104"/>
        <location filename="../plugin/catalogue.py" line="112"/>
        <source>reconstruction error relative to normal pixels (no unit)</source>
        <translation>erreur de reconstruction relative aux pixels normaux (sans unité)</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="54"/>
        <source>run the detection again</source>
        <translation>relancez la détection</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="58"/>
        <source>score (higher = more anomalous)</source>
        <translation>score (plus haut = plus anormal)</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="68"/>
        <source>squared Mahalanobis distance (no unit)</source>
        <translation>distance de Mahalanobis au carré (sans unité)</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="96"/>
        <source>squared Mahalanobis distance of the residual (no unit)</source>
        <translation>distance de Mahalanobis au carré du résidu (sans unité)</translation>
    </message>
    <message>
        <location filename="../plugin/catalogue.py" line="74"/>
        <source>squared Mahalanobis distance to the surrounding ring (no unit)</source>
        <translation>distance de Mahalanobis au carré à l'anneau voisin (sans unité)</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="46"/>
        <source>the CLIP checkpoint box</source>
        <translation>le champ Point de contrôle CLIP</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="43"/>
        <source>the Model box</source>
        <translation>le champ Modèle</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="45"/>
        <source>the Negative prompt box</source>
        <translation>le champ Requête négative</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="38"/>
        <location filename="../plugin/backend_text.py" line="39"/>
        <source>the Other parameters field</source>
        <translation>le champ Autres paramètres</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="37"/>
        <source>the Other parameters field (fuse.KEY=VALUE)</source>
        <translation>le champ Autres paramètres (fuse.CLÉ=VALEUR)</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="44"/>
        <source>the Prompt box</source>
        <translation>le champ Requête</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="40"/>
        <source>the Reference box</source>
        <translation>le champ Référence</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="50"/>
        <source>the Training time limit</source>
        <translation>la durée maximale d'entraînement</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="42"/>
        <source>the false-alarm rate slider</source>
        <translation>le curseur du taux de fausses alarmes</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="41"/>
        <source>the threshold slider</source>
        <translation>le curseur de seuil</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="128"/>
        <source>{0} cannot be written: it is an input or an existing file that RareSight does not replace; choose another Output folder.</source>
        <translation>{0} ne peut pas être écrit : c'est une entrée ou un fichier existant que RareSight ne remplace pas ; choisissez un autre Dossier de sortie.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="72"/>
        <source>{0} compares two dates: choose the pre-event image as Reference.</source>
        <translation>{0} compare deux dates : choisissez l'image d'avant l'événement comme Référence.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="124"/>
        <source>{0} could not be written: check the free disk space of the output folder.</source>
        <translation>{0} n'a pas pu être écrit : vérifiez l'espace disque libre du dossier de sortie.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="88"/>
        <source>{0} does not cover the same area as the image: choose layers of the same place.</source>
        <translation>{0} ne couvre pas la même zone que l'image : choisissez des couches du même lieu.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="190"/>
        <source>{0} does not use the {1}: it is ignored.</source>
        <translation>{0} n'utilise pas le champ {1} : il est ignoré.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="96"/>
        <source>{0} has another size than the image and the layers are not all georeferenced, so they cannot be aligned: georeference them, or use images of one size.</source>
        <translation>{0} n'a pas la taille de l'image et les couches ne sont pas toutes géoréférencées, elles ne peuvent donc pas être alignées : géoréférencez-les, ou utilisez des images de même taille.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="100"/>
        <source>{0} holds complex values (e.g. SAR SLC): convert it to intensity or amplitude first (e.g. with the Raster Calculator), or use the Processing algorithm's "Complex (SLC) inputs read as" option.</source>
        <translation>{0} contient des valeurs complexes (p. ex. SAR SLC) : convertissez-le d'abord en intensité ou en amplitude (p. ex. avec la Calculatrice raster), ou utilisez l'option « Entrées complexes (SLC) lues comme » de l'algorithme Processing.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="112"/>
        <source>{0} image(s) but {1} reference(s): choose one reference per image (Reference for the image, Second reference for the second image).</source>
        <translation>{0} image(s) mais {1} référence(s) : choisissez une référence par image (Référence pour l'image, Seconde référence pour la seconde image).</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="108"/>
        <source>{0} is truncated or damaged: check the file, or export the layer again.</source>
        <translation>{0} est tronqué ou endommagé : vérifiez le fichier, ou exportez à nouveau la couche.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="202"/>
        <source>{0} of the image's valid pixels have one value ({1}): if it is fill, set it as the layer's no-data value (Layer Properties &gt; Transparency), or the other scores are skewed.</source>
        <translation>{0} des pixels valides de l'image ont une seule valeur ({1}) : s'il s'agit d'un remplissage, déclarez-la comme valeur sans donnée de la couche (Propriétés de la couche &gt; Transparence), sinon les autres scores sont faussés.</translation>
    </message>
    <message>
        <location filename="../plugin/backend_text.py" line="206"/>
        <source>{0} of the valid pixels share the score {1} (a constant area, or fill without a no-data value?): at this false-alarm rate only {2} of the pixels are shown.</source>
        <translation>{0} des pixels valides ont le score {1} (une zone constante, ou un remplissage sans valeur sans donnée ?) : à ce taux de fausses alarmes, seuls {2} des pixels sont affichés.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/widgets.py" line="339"/>
        <source>{help} Default: {default}.</source>
        <translation>{help} Par défaut : {default}.</translation>
    </message>
    <message>
        <location filename="../plugin/progress_text.py" line="30"/>
        <source>{hours} h {minutes} min</source>
        <translation>{hours} h {minutes} min</translation>
    </message>
    <message>
        <location filename="../plugin/dock/inputs.py" line="137"/>
        <source>{images} vs {references}</source>
        <translation>{images} face à {references}</translation>
    </message>
    <message>
        <location filename="../plugin/dock/inputs.py" line="111"/>
        <source>{image} is the latest image ({date}).</source>
        <translation>{image} est l'image la plus récente ({date}).</translation>
    </message>
    <message>
        <location filename="../plugin/dock/inputs.py" line="199"/>
        <location filename="../plugin/dock/requests.py" line="114"/>
        <source>{method} compares two dates: choose the pre-event image as Reference first.</source>
        <translation>{method} compare deux dates : choisissez d'abord l'image d'avant l'événement comme Référence.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/fit.py" line="101"/>
        <source>{method} model of {bands} band(s), {condition} conditioning: {steps} steps in {seconds:.1f} s.</source>
        <translation>Modèle {method} de {bands} bande(s), conditionnement {condition} : {steps} itérations en {seconds:.1f} s.</translation>
    </message>
    <message>
        <location filename="../plugin/dock/inputs.py" line="140"/>
        <source>{method} “{prompt}”: {inputs} ({time})</source>
        <translation>{method} « {prompt} » : {inputs} ({time})</translation>
    </message>
    <message>
        <location filename="../plugin/dock/inputs.py" line="143"/>
        <source>{method}: {inputs} ({time})</source>
        <translation>{method} : {inputs} ({time})</translation>
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
        <location filename="../plugin/dock/results.py" line="275"/>
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
        <location filename="../plugin/dock/panel.py" line="385"/>
        <source>{time} · {text}</source>
        <translation>{time} · {text}</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="113"/>
        <source>{value} (the scene's maximum)</source>
        <translation>{value} (le maximum de la scène)</translation>
    </message>
    <message>
        <location filename="../plugin/styling.py" line="111"/>
        <source>{value} (top {share} of the scene)</source>
        <translation>{value} ({share} les plus hauts de la scène)</translation>
    </message>
    <message>
        <source>(needs a reference)</source>
        <translation type="vanished">(nécessite une image de référence)</translation>
    </message>
    <message>
        <source>(the method's physical threshold is {threshold:.4g})</source>
        <translation type="vanished">(le seuil physique de la méthode est {threshold:.4g})</translation>
    </message>
    <message>
        <source>Advanced: other parameters as KEY=VALUE pairs separated by spaces or commas; they override the fields above. Defaults: {defaults}</source>
        <translation type="vanished">Avancé : autres paramètres sous forme CLÉ=VALEUR séparés par des espaces ou des virgules ; ils priment sur les champs ci-dessus. Valeurs par défaut : {defaults}</translation>
    </message>
    <message>
        <source>Anomalies</source>
        <translation type="vanished">Anomalies</translation>
    </message>
    <message>
        <source>Anomalies (false-alarm rate {rate:.1e})</source>
        <translation type="vanished">Anomalies (taux de fausses alarmes {rate:.1e})</translation>
    </message>
    <message>
        <source>Anomaly score ({method})</source>
        <translation type="vanished">Score d'anomalie ({method})</translation>
    </message>
    <message>
        <source>Calibration: {source}, {n} normal samples; pixels above the threshold of the chosen false-alarm rate are shown.</source>
        <translation type="vanished">Étalonnage : {source}, {n} échantillons normaux ; les pixels au-dessus du seuil du taux de fausses alarmes choisi sont affichés.</translation>
    </message>
    <message>
        <source>Cancelled; nothing was added.</source>
        <translation type="vanished">Annulé ; rien n'a été ajouté.</translation>
    </message>
    <message>
        <source>False-alarm rate {rate:.1e} (no score layer selected)</source>
        <translation type="vanished">Taux de fausses alarmes {rate:.1e} (aucune couche de score sélectionnée)</translation>
    </message>
    <message>
        <source>False-alarm rate {rate:.1e}: showing scores &gt; {threshold:.4g}</source>
        <translation type="vanished">Taux de fausses alarmes {rate:.1e} : affichage des scores &gt; {threshold:.4g}</translation>
    </message>
    <message>
        <source>MODEL applies to the generative methods ({methods}), not {method}.</source>
        <translation type="vanished">MODEL s’applique aux méthodes génératives ({methods}), pas à {method}.</translation>
    </message>
    <message>
        <source>Method parameters as KEY=VALUE pairs separated by spaces or commas (see each method's parameters).</source>
        <translation type="vanished">Paramètres de la méthode sous forme de paires CLÉ=VALEUR séparées par des espaces ou des virgules (voir les paramètres de chaque méthode).</translation>
    </message>
    <message>
        <source>Method parameters as KEY=VALUE pairs separated by spaces or commas. Defaults: {defaults}</source>
        <translation type="vanished">Paramètres de la méthode sous forme de paires CLÉ=VALEUR séparées par des espaces ou des virgules. Valeurs par défaut : {defaults}</translation>
    </message>
    <message>
        <source>Method: {method}. {meaning}</source>
        <translation type="vanished">Méthode : {method}. {meaning}</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation type="vanished">Paramètres</translation>
    </message>
    <message>
        <source>Python interpreter of the backend environment (default: the .venv inside the plugin folder).</source>
        <translation type="vanished">Interpréteur Python de l'environnement du moteur (par défaut : le .venv du dossier de l'extension).</translation>
    </message>
    <message>
        <source>Score layer {name} added; move the false-alarm rate slider to restyle it.</source>
        <translation type="vanished">Couche de score {name} ajoutée ; déplacez le curseur du taux de fausses alarmes pour modifier son style.</translation>
    </message>
    <message>
        <source>Targets: {targets}</source>
        <translation type="vanished">Cibles : {targets}</translation>
    </message>
    <message>
        <source>The backend could not be started. Set its Python interpreter under Advanced settings, or run scripts/setup.sh in the plugin folder. Details: {details}</source>
        <translation type="vanished">Le moteur n'a pas pu être démarré. Définissez son interpréteur Python dans les Paramètres avancés, ou exécutez scripts/setup.sh dans le dossier de l'extension. Détails : {details}</translation>
    </message>
    <message>
        <source>The backend could not be started. Use Set up backend at the top of the dock, or set its Python interpreter under Advanced settings. Details: {details}</source>
        <translation type="vanished">Le moteur n’a pas pu démarrer. Utilisez « Installer le moteur » en haut du panneau, ou choisissez son interpréteur Python dans les réglages avancés. Détails : {details}</translation>
    </message>
    <message>
        <source>The backend process stopped unexpectedly; nothing was added. The next run starts a fresh backend. Details: {details}</source>
        <translation type="vanished">Le processus du moteur s'est arrêté de manière inattendue ; rien n'a été ajouté. La prochaine exécution démarrera un nouveau moteur. Détails : {details}</translation>
    </message>
    <message>
        <source>The backend refused the request ({kind}): {details}</source>
        <translation type="vanished">Le moteur a refusé la requête ({kind}) : {details}</translation>
    </message>
    <message>
        <source>The image to search for anomalies (the event date).</source>
        <translation type="vanished">L'image dans laquelle rechercher les anomalies (date de l'événement).</translation>
    </message>
    <message>
        <source>Training writes a new model: leave model= out of the parameters.</source>
        <translation type="vanished">L’entraînement écrit un nouveau modèle : retirez model= des paramètres.</translation>
    </message>
    <message>
        <source>e.g. fit_fraction=0.5</source>
        <translation type="vanished">par ex. fit_fraction=0.5</translation>
    </message>
    <message>
        <source>none (fit on the target itself)</source>
        <translation type="vanished">aucune (ajustement sur la cible elle-même)</translation>
    </message>
    <message>
        <source>score</source>
        <translation type="vanished">score</translation>
    </message>
    <message>
        <source>{0} holds complex values (e.g. SAR SLC): convert it to intensity or amplitude first (e.g. with the Raster Calculator), or use the Processing algorithm's Complex values option.</source>
        <translation type="vanished">{0} contient des valeurs complexes (p. ex. SAR SLC) : convertissez-le d'abord en intensité ou en amplitude (p. ex. avec la Calculatrice raster), ou utilisez l'option Valeurs complexes de l'algorithme Processing.</translation>
    </message>
    <message>
        <source>{meaning}: above {value} (the method's threshold)</source>
        <translation type="vanished">{meaning} : au-dessus de {value} (le seuil de la méthode)</translation>
    </message>
    <message>
        <source>{meaning}: above {value} (threshold, {rate} false alarms)</source>
        <translation type="vanished">{meaning} : au-dessus de {value} (seuil, {rate} de fausses alarmes)</translation>
    </message>
</context>
</TS>
