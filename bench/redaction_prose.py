"""Ordinary text with no personal data and no secrets, for the false-positive rate of redaction
(bench/redaction.py): notes, e-mails, reports and manuals in eight languages, full of what looks
like personal data but is not — dates, times, prices, amounts, versions, order and tracking
numbers, ISBNs, EANs, URLs, checksums, file names, and talk about passwords and keys."""

PROSE = {
    "en": """
Quarterly report, Q3 2024. Revenue reached $1,284,500 in the quarter ending 30 September 2024, up
12.4% on the same period last year. The board met on 2024-10-17 at 10:30 and approved the budget
of 2,450,000 USD for 2025. Headcount grew from 118 to 131; the Leeds office opened on 3 June.

Shipping update: order #100234587 left the warehouse on 14/10/2024 and the tracking number
1Z999AA10123456784 shows it in Rotterdam. Order 4711-0815-2291 is delayed until 21 October because
article 88-1042-77 is out of stock. Invoice INV-2024-00981 over 1,299.00 EUR is due within 30
days; the earlier invoice 2024-118-55321 has been paid. Please quote the reference 2024/0917/33 in
any reply.

Release notes for version 2.14.3. This release fixes the crash on Windows build 10.0.19045.3693
and raises the minimum Python to 3.11.4. The download is at https://downloads.example.org/app/
2.14.3/app-2.14.3-x86_64.tar.gz and the sha256 checksum is
9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08. It was tagged from commit
5a1005f3c1e9d2b7a8f6e4d3c2b1a09876543210 on the main branch. Firmware 1.2.3.4 for the router is
not affected. The library now depends on numpy 1.26.4 and requests 2.32.3; see
https://docs.example.org/changelog?version=2.14&lang=en#fixes for the full list.

Passwords and keys. Passwords must be at least 14 characters long and are changed only after a
suspected compromise. The password is stored in your system keyring and never written to disk.
If you forget your password, use the reset link on the sign-in page. API keys are created in the
dashboard under Settings, then Keys; a key is shown once and cannot be recovered. The model's
context window is 8192 tokens and the default max_tokens = 4096. Set the token limit in the
config file with token_limit: 2048 and keep password_min_length: 14.

Meeting notes. We agreed to move the launch from 12 November to 3 December. The venue holds 250
people and costs £4,800 for the day, catering included. Room 4.12 is booked from 9:00 to 17:30.
The population of the county is 1 200 000, according to the 2021 census, and the average commute
is 42 minutes. Coordinates of the site: 52.5200, 13.4050. The match ended 3:1 after extra time.

The handbook, ISBN 978-3-16-148410-0, is in its fourth edition; the barcode on the back reads
EAN 4006381333931. Chapter 4.2.1 explains the new expense rules, and section 7 covers travel.
Claims above 500 euros need a director's approval. The file Report_Q3_2024_final_v2.pdf replaces
the draft, and the spreadsheet budget-2025-v7.xlsx holds the figures. Request id
550e8400-e29b-41d4-a716-446655440000 appeared in the log at 02:14:33.

A note on the office move. The new address is 14 Harbour Street, and the postcode is the same.
Desks are numbered 1-120 on level 3 and 121-240 on level 4. The lift takes 8 people or 630 kg.
Parking costs 2.50 an hour, with a daily cap of 12.00. Bikes go in the cellar, rack 7 to 19.
The move happens between 18 and 20 December, and the phones are switched over on the 19th.
Everyone gets a new badge, printed with their employee number from the HR system.

Product catalogue. The kettle (model KX-2200, 1.7 litres, 2200 W) costs 49.99; the toaster
(model TS-400) 34.50. Serial numbers start with SN-2024-; the warranty runs for 24 months from the
date on the receipt. Spare filters come in packs of 3 (item 55-210-3) for 8.95. Prices include
20% VAT. Free delivery on orders over 75.00. Delivery takes 3-5 working days.

Training plan. Week 1: 5 km easy, 3 x 1 km at 4:45 per km. Week 2: 8 km steady, 6 x 400 m.
Week 3: rest, then 10 km on Sunday. The race is on 2025-04-06; start time 09:15, bib pickup from
07:30. Last year 12,347 runners finished and the winning time was 2:08:31.

From the IT desk. Laptops are reimaged with image 2024.09 and the VPN client 5.3.2. Please restart
before Friday so that patch KB5034441 installs. The help desk ticket queue is at
https://helpdesk.example.com/queue and the status page at https://status.example.com. Do not share
your password with anyone, including the help desk; we will never ask for it. Two-factor
authentication is mandatory for e-mail and the VPN. The token on your phone changes every 30
seconds. If the authenticator app shows 'invalid token', check the time on your phone.
""",
    "de": """
Protokoll der Teamsitzung vom 17.05.2024, 10.30-12.00 Uhr. Anwesend: sechs Personen, entschuldigt:
zwei. Der Umsatz im ersten Quartal lag bei 1.284.500 €, das sind 12,4 % mehr als im Vorjahr. Das
Budget für 2025 beträgt 2,45 Mio. Euro; davon entfallen 380.000 € auf Personal.

Bestellungen: Die Bestellnummer 4711-0815-2291 wurde am 14.10.2024 versandt, die
Sendungsnummer 00340434161094042557 zeigt das Paket in Kassel. Artikel 88-1042-77 ist erst ab KW
44 wieder lieferbar. Rechnung Nr. 2024-118-55321 über 1.299,00 € ist bezahlt, die Rechnung
RE-2024-00981 ist bis zum 30.11.2024 fällig. Bitte bei Rückfragen das Aktenzeichen 3 O 123/24
angeben. Kundennummer und Auftragsnummer stehen oben rechts auf jeder Rechnung.

Softwareverteilung: Version 2.14.3 wird ab Montag ausgerollt. Sie behebt den Absturz unter
Windows 10 Build 19045.3693 und benötigt Python 3.11.4. Download unter
https://downloads.example.org/app/2.14.3/ – die Prüfsumme (SHA-256) lautet
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855. Die Firmware 1.2.3.4 des
Routers ist nicht betroffen. Das Handbuch liegt unter https://wiki.example.de/handbuch?seite=4.

Zum Thema Passwörter: Passwörter müssen mindestens 12 Zeichen lang sein. Das Passwort ist falsch,
wenn die Feststelltaste aktiv ist. Das Passwort wird im Schlüsselbund gespeichert und nie im
Klartext abgelegt. Wer sein Kennwort vergessen hat, nutzt den Link „Passwort vergessen“ auf der
Anmeldeseite. Die Passwortrichtlinie gilt seit dem 01.01.2024. API-Schlüssel werden im
Dashboard unter Einstellungen erzeugt und nur einmal angezeigt.

Die Einwohnerzahl der Stadt liegt bei 1 200 000, die Fläche bei 891,8 km². Im Jahr 2023 kamen
12 347 Besucher zur Messe, 2022 waren es 9 880. Die Halle fasst 2.500 Personen. Der Eintritt
kostet 18,50 €, ermäßigt 12 €. Öffnungszeiten: Mo–Fr 9–18 Uhr, Sa 10–14 Uhr.

Das Buch (ISBN 978-3-16-148410-0) erscheint in der 4. Auflage; auf der Rückseite steht die EAN
4006381333931. Kapitel 4.2.1 behandelt die Reisekosten, § 23 Abs. 1 Satz 2 die Ausnahmen. Nach
Art. 6 Abs. 1 lit. f DSGVO ist die Verarbeitung zulässig. Die Datei Bericht_Q3_2024_final.pdf
ersetzt den Entwurf, die Tabelle Budget-2025-v7.xlsx enthält die Zahlen.

Umzug des Büros: Die Tische sind auf Ebene 3 von 1 bis 120 nummeriert, auf Ebene 4 von 121 bis
240. Der Aufzug trägt 8 Personen oder 630 kg. Parken kostet 2,50 € pro Stunde, höchstens 12 € am
Tag. Der Umzug findet vom 18. bis 20. Dezember statt; die Telefone werden am 19. umgestellt. Die
neue Postleitzahl ist 10117, die Hausnummer 14a.

Produktinformation: Der Wasserkocher (Modell KX-2200, 1,7 Liter, 2200 W) kostet 49,99 €, der
Toaster (Modell TS-400) 34,50 €. Seriennummern beginnen mit SN-2024-; die Garantie beträgt 24
Monate ab Kaufdatum. Ersatzfilter gibt es im 3er-Pack (Art.-Nr. 55-210-3) für 8,95 €. Alle
Preise inkl. 19 % MwSt. Versandkostenfrei ab 75,00 €. Lieferzeit 3-5 Werktage.

Trainingsplan: Woche 1: 5 km locker, 3 x 1 km in 4:45 min/km. Woche 2: 8 km, 6 x 400 m. Der
Lauf findet am 06.04.2025 statt, Start um 09:15 Uhr, Startnummernausgabe ab 07:30 Uhr. Im letzten
Jahr kamen 12.347 Läufer ins Ziel, die Siegerzeit betrug 2:08:31 Stunden.

Hinweise der IT: Die Laptops werden mit dem Image 2024.09 neu aufgesetzt, der VPN-Client hat die
Version 5.3.2. Bitte bis Freitag neu starten, damit das Update KB5034441 installiert wird. Das
Ticketsystem erreichen Sie unter https://helpdesk.example.de/queue. Geben Sie Ihr Passwort
niemals weiter, auch nicht an den Helpdesk. Die Zwei-Faktor-Anmeldung ist für E-Mail und VPN
Pflicht. Der Code in der App ändert sich alle 30 Sekunden; bei „ungültiges Token“ bitte die
Uhrzeit des Telefons prüfen. Das Token-Limit des Modells liegt bei 8192.
""",
    "fr": """
Compte rendu de la réunion du 17/05/2024, de 10h30 à 12h00. Le chiffre d'affaires du premier
trimestre s'élève à 1 284 500 €, soit une hausse de 12,4 % par rapport à l'an dernier. Le budget
2025 est fixé à 2,45 millions d'euros, dont 380 000 € pour le personnel. La ville compte
1 200 000 habitants et la salle peut accueillir 2 500 personnes.

Commandes : la commande n° 4711-0815-2291 a été expédiée le 14/10/2024 ; le numéro de suivi
6A12345678901 indique que le colis est à Lyon. L'article réf. 88-1042-77 sera de nouveau
disponible en semaine 44. La facture 2024-118-55321 d'un montant de 1 299,00 € est réglée, la
facture FA-2024-00981 est à payer avant le 30/11/2024. Merci de rappeler la référence
2024/0917/33 dans toute correspondance.

Mise à jour logicielle : la version 2.14.3 sera déployée lundi. Elle corrige le plantage sous
Windows 10 build 19045.3693 et nécessite Python 3.11.4. Téléchargement sur
https://telechargement.example.fr/app/2.14.3/ ; la somme de contrôle SHA-256 est
2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae. Le micrologiciel 1.2.3.4 du
routeur n'est pas concerné. La documentation est sur https://doc.example.fr/guide?page=4&lang=fr.

À propos des mots de passe : les mots de passe doivent comporter au moins 12 caractères. Le mot de
passe est enregistré dans le trousseau du système et n'est jamais écrit en clair. Si vous avez
oublié votre mot de passe, utilisez le lien « Mot de passe oublié » sur la page de connexion. Ne
communiquez jamais votre mot de passe, même au support. Les clés d'API sont créées dans le tableau
de bord et ne s'affichent qu'une fois.

Le livre (ISBN 978-2-07-036822-8) en est à sa quatrième édition ; le code-barres porte l'EAN
3017620422003. Le chapitre 4.2.1 traite des frais de déplacement, l'article L. 1234-5 du Code du
travail des exceptions. Le fichier Rapport_T3_2024_final.pdf remplace le brouillon.

Déménagement : les bureaux sont numérotés de 1 à 120 au 3e étage et de 121 à 240 au 4e.
L'ascenseur accepte 8 personnes ou 630 kg. Le parking coûte 2,50 € de l'heure, 12 € maximum par
jour. Le déménagement aura lieu du 18 au 20 décembre ; le code postal reste 69002.

Fiche produit : la bouilloire (modèle KX-2200, 1,7 litre, 2200 W) coûte 49,99 €, le grille-pain
(modèle TS-400) 34,50 €. Les numéros de série commencent par SN-2024- ; la garantie est de 24
mois. Filtres de rechange par 3 (réf. 55-210-3) à 8,95 €. Prix TTC, TVA 20 %. Livraison gratuite
dès 75,00 €, délai de 3 à 5 jours ouvrés.

Programme d'entraînement : semaine 1, 5 km tranquille puis 3 x 1 km à 4:45 au km ; semaine 2,
8 km et 6 x 400 m. La course a lieu le 06/04/2025, départ à 9h15, retrait des dossards dès 7h30.
L'an dernier, 12 347 coureurs ont terminé ; le vainqueur a couru en 2:08:31.

Informations de la DSI : les ordinateurs portables seront réinstallés avec l'image 2024.09 et le
client VPN 5.3.2. Merci de redémarrer avant vendredi pour installer la mise à jour KB5034441. Le
portail d'assistance est sur https://support.example.fr/tickets. L'authentification à deux
facteurs est obligatoire pour la messagerie et le VPN ; le code de l'application change toutes
les 30 secondes. La fenêtre de contexte du modèle est de 8192 jetons.
""",
    "es": """
Acta de la reunión del 17/05/2024, de 10:30 a 12:00. La facturación del primer trimestre fue de
1.284.500 €, un 12,4 % más que el año pasado. El presupuesto para 2025 es de 2,45 millones de
euros, de los cuales 380.000 € son para personal. La ciudad tiene 1.200.000 habitantes y el
auditorio tiene capacidad para 2.500 personas.

Pedidos: el pedido n.º 4711-0815-2291 salió del almacén el 14/10/2024; el número de seguimiento
PQ4A2B0123456780108001P indica que el paquete está en Zaragoza. El artículo ref. 88-1042-77 vuelve a
estar disponible en la semana 44. La factura 2024-118-55321 por 1.299,00 € está pagada; la
factura F-2024-00981 vence el 30/11/2024. Indique la referencia 2024/0917/33 en cualquier consulta.

Actualización de software: la versión 2.14.3 se instalará el lunes. Corrige el fallo en Windows
10 compilación 19045.3693 y requiere Python 3.11.4. Descarga en
https://descargas.example.es/app/2.14.3/ ; la suma de comprobación SHA-256 es
fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9. El firmware 1.2.3.4 del
router no está afectado. Más información en https://ayuda.example.es/guia?pagina=4.

Sobre las contraseñas: las contraseñas deben tener al menos 12 caracteres. La contraseña se
guarda en el llavero del sistema y nunca se escribe en texto plano. Si olvidó su contraseña, use
el enlace «He olvidado mi contraseña» en la página de acceso. No comparta nunca su contraseña, ni
siquiera con el servicio de ayuda. Las claves de API se crean en el panel y solo se muestran una
vez. La clave del éxito es la constancia.

El libro (ISBN 978-84-376-0494-7) va por la cuarta edición; el código de barras lleva el EAN
8410076472885. El capítulo 4.2.1 trata de los gastos de viaje y el artículo 34.2 del Estatuto de
los Trabajadores de las excepciones. El archivo Informe_T3_2024_final.pdf sustituye al borrador.

Mudanza: las mesas están numeradas del 1 al 120 en la planta 3 y del 121 al 240 en la planta 4.
El ascensor admite 8 personas o 630 kg. El aparcamiento cuesta 2,50 € la hora, con un máximo de
12 € al día. La mudanza será del 18 al 20 de diciembre y el código postal sigue siendo 28013.

Ficha de producto: el hervidor (modelo KX-2200, 1,7 litros, 2200 W) cuesta 49,99 €; la
tostadora (modelo TS-400), 34,50 €. Los números de serie empiezan por SN-2024-; la garantía es de
24 meses. Filtros de repuesto en packs de 3 (ref. 55-210-3) por 8,95 €. IVA incluido (21 %).
Envío gratuito a partir de 75,00 €; entrega en 3-5 días laborables.

Plan de entrenamiento: semana 1, 5 km suaves y 3 x 1 km a 4:45 el km; semana 2, 8 km y 6 x 400 m.
La carrera es el 06/04/2025, salida a las 9:15, recogida de dorsales desde las 7:30. El año pasado
terminaron 12.347 corredores y el ganador hizo 2:08:31.

Avisos de informática: los portátiles se reinstalarán con la imagen 2024.09 y el cliente VPN
5.3.2. Reinicie antes del viernes para que se instale la actualización KB5034441. El portal de
soporte está en https://soporte.example.es/tickets. La autenticación en dos pasos es obligatoria
para el correo y la VPN; el código de la aplicación cambia cada 30 segundos. La ventana de
contexto del modelo es de 8192 tokens.
""",
    "it": """
Verbale della riunione del 17/05/2024, dalle 10:30 alle 12:00. Il fatturato del primo trimestre è
stato di 1.284.500 €, in crescita del 12,4% rispetto all'anno scorso. Il budget 2025 è di 2,45
milioni di euro, di cui 380.000 € per il personale. La città conta 1.200.000 abitanti e la sala
può ospitare 2.500 persone.

Ordini: l'ordine n. 4711-0815-2291 è stato spedito il 14/10/2024; il numero di spedizione
1Z999AA10123456784 indica che il pacco è a Bologna. L'articolo cod. 88-1042-77 tornerà
disponibile nella settimana 44. La fattura 2024-118-55321 di 1.299,00 € è stata pagata; la
fattura FT-2024-00981 scade il 30/11/2024. Si prega di citare il riferimento 2024/0917/33.

Aggiornamento software: la versione 2.14.3 sarà distribuita lunedì. Corregge il blocco su Windows
10 build 19045.3693 e richiede Python 3.11.4. Download su https://download.example.it/app/2.14.3/
; l'hash SHA-256 è 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8. Il firmware
1.2.3.4 del router non è interessato. Guida su https://guida.example.it/manuale?pagina=4.

Le password: le password devono avere almeno 12 caratteri. La password è salvata nel portachiavi
del sistema e non viene mai scritta in chiaro. Se hai dimenticato la password, usa il link
«Password dimenticata» nella pagina di accesso. Non comunicare mai la password, nemmeno
all'assistenza. Le chiavi API si creano nel pannello e vengono mostrate una sola volta. La parola
d'ordine della giornata è collaborazione.

Il libro (ISBN 978-88-04-66823-0) è alla quarta edizione; il codice a barre riporta l'EAN
8001120885703. Il capitolo 4.2.1 tratta delle spese di viaggio, l'art. 2103 c.c. delle eccezioni.
Il file Relazione_T3_2024_finale.pdf sostituisce la bozza.

Trasloco: le scrivanie sono numerate da 1 a 120 al terzo piano e da 121 a 240 al quarto.
L'ascensore porta 8 persone o 630 kg. Il parcheggio costa 2,50 € l'ora, massimo 12 € al giorno.
Il trasloco avverrà dal 18 al 20 dicembre; il CAP resta 20121.

Scheda prodotto: il bollitore (modello KX-2200, 1,7 litri, 2200 W) costa 49,99 €, il tostapane
(modello TS-400) 34,50 €. I numeri di serie iniziano con SN-2024-; la garanzia è di 24 mesi.
Filtri di ricambio in confezione da 3 (cod. 55-210-3) a 8,95 €. IVA 22% inclusa. Spedizione
gratuita oltre 75,00 €, consegna in 3-5 giorni lavorativi.

Programma di allenamento: settimana 1, 5 km facili e 3 x 1 km a 4:45 al km; settimana 2, 8 km e
6 x 400 m. La gara è il 06/04/2025, partenza alle 9:15, ritiro pettorali dalle 7:30. L'anno
scorso sono arrivati 12.347 corridori; il vincitore ha chiuso in 2:08:31.

Comunicazioni IT: i portatili saranno reinstallati con l'immagine 2024.09 e il client VPN 5.3.2.
Riavviate entro venerdì per installare l'aggiornamento KB5034441. Il portale di assistenza è su
https://assistenza.example.it/ticket. L'autenticazione a due fattori è obbligatoria per la posta
e la VPN; il codice dell'app cambia ogni 30 secondi. Il modello ha un contesto di 8192 token.
""",
    "nl": """
Verslag van het overleg op 17-05-2024, van 10.30 tot 12.00 uur. De omzet in het eerste kwartaal
bedroeg € 1.284.500, een stijging van 12,4% ten opzichte van vorig jaar. Het budget voor 2025 is
2,45 miljoen euro, waarvan € 380.000 voor personeel. De stad telt 1.200.000 inwoners en de zaal
biedt plaats aan 2.500 mensen.

Bestellingen: bestelling 4711-0815-2291 is op 14-10-2024 verzonden; het trackingnummer
3SABCD1234567 laat zien dat het pakket in Utrecht is. Artikel 88-1042-77 is vanaf week 44 weer
leverbaar. Factuur 2024-118-55321 van € 1.299,00 is betaald; factuur F-2024-00981 moet voor
30-11-2024 worden voldaan. Vermeld bij vragen het kenmerk 2024/0917/33.

Software-update: versie 2.14.3 wordt maandag uitgerold. Deze lost de crash op onder Windows 10
build 19045.3693 en vereist Python 3.11.4. Downloaden via https://download.example.nl/app/2.14.3/
; de SHA-256-hash is 4b227777d4dd1fc61c6f884f48641d02b4d121d3fd328cb08b5531fcacdabf8a. Firmware
1.2.3.4 van de router is niet getroffen. Handleiding op https://hulp.example.nl/handleiding?p=4.

Over wachtwoorden: wachtwoorden moeten minstens 12 tekens lang zijn. Het wachtwoord wordt in de
sleutelhanger van het systeem bewaard en nooit als platte tekst opgeslagen. Wachtwoord vergeten?
Gebruik de link op de inlogpagina. Deel je wachtwoord nooit, ook niet met de helpdesk.
API-sleutels maak je aan in het dashboard; ze worden maar één keer getoond.

Het boek (ISBN 978-90-234-5678-9) is aan de vierde druk toe; de streepjescode toont EAN
8710398526373. Hoofdstuk 4.2.1 gaat over reiskosten. Het bestand Rapport_K3_2024_definitief.pdf
vervangt het concept.

Verhuizing: de bureaus zijn genummerd van 1 tot 120 op de derde verdieping en van 121 tot 240 op
de vierde. De lift draagt 8 personen of 630 kg. Parkeren kost € 2,50 per uur, maximaal € 12 per
dag. De verhuizing is van 18 tot 20 december; de postcode blijft 1012 AB.

Productinformatie: de waterkoker (model KX-2200, 1,7 liter, 2200 W) kost € 49,99, de
broodrooster (model TS-400) € 34,50. Serienummers beginnen met SN-2024-; de garantie is 24
maanden. Reservefilters per 3 (art. 55-210-3) voor € 8,95. Prijzen inclusief 21% btw. Gratis
verzending vanaf € 75,00; levering binnen 3-5 werkdagen.

Trainingsschema: week 1, 5 km rustig en 3 x 1 km in 4:45 per km; week 2, 8 km en 6 x 400 m. De
loop is op 06-04-2025, start om 9.15 uur, startnummers ophalen vanaf 7.30 uur. Vorig jaar kwamen
12.347 lopers over de finish; de winnaar liep 2:08:31.

Mededelingen van ICT: laptops worden opnieuw ingericht met image 2024.09 en VPN-client 5.3.2.
Herstart voor vrijdag zodat update KB5034441 wordt geïnstalleerd. Het supportportaal staat op
https://support.example.nl/tickets. Tweestapsverificatie is verplicht voor mail en VPN; de code
in de app verandert elke 30 seconden.
""",
    "pt": """
Ata da reunião de 17/05/2024, das 10h30 às 12h00. A faturação do primeiro trimestre foi de
1.284.500 €, mais 12,4% do que no ano passado. O orçamento para 2025 é de 2,45 milhões de euros,
dos quais 380.000 € para pessoal. A cidade tem 1.200.000 habitantes e o auditório tem capacidade
para 2.500 pessoas.

Encomendas: a encomenda n.º 4711-0815-2291 foi expedida a 14/10/2024; o número de seguimento
RR123456785PT mostra que o pacote está em Coimbra. O artigo ref. 88-1042-77 volta a estar
disponível na semana 44. A fatura 2024-118-55321 de 1.299,00 € está paga; a fatura FT 2024/00981
vence a 30/11/2024. Indique a referência 2024/0917/33 em qualquer contacto.

Atualização de software: a versão 2.14.3 será instalada na segunda-feira. Corrige a falha no
Windows 10 build 19045.3693 e exige Python 3.11.4. Transferência em
https://transferencias.example.pt/app/2.14.3/ ; o hash SHA-256 é
ef2d127de37b942baad06145e54b0c619a1f22327b2ebbcfbec78f5564afe39d. O firmware 1.2.3.4 do router
não é afetado. Guia em https://ajuda.example.pt/guia?pagina=4.

Sobre as senhas: as senhas devem ter pelo menos 12 caracteres. A senha é guardada no porta-chaves
do sistema e nunca é escrita em texto simples. Se se esqueceu da senha, use a ligação «Esqueci a
palavra-passe» na página de entrada. Nunca partilhe a sua senha, nem com o apoio técnico. As
chaves de API são criadas no painel e só são mostradas uma vez.

O livro (ISBN 978-972-0-04567-8) vai na quarta edição; o código de barras tem o EAN
5601234567892. O capítulo 4.2.1 trata das despesas de viagem. O ficheiro
Relatorio_T3_2024_final.pdf substitui o rascunho.

Mudança de escritório: as secretárias estão numeradas de 1 a 120 no piso 3 e de 121 a 240 no
piso 4. O elevador leva 8 pessoas ou 630 kg. O estacionamento custa 2,50 € por hora, no máximo 12
€ por dia. A mudança decorre de 18 a 20 de dezembro; o código postal continua 1100-148.

Ficha do produto: a chaleira (modelo KX-2200, 1,7 litros, 2200 W) custa 49,99 €; a torradeira
(modelo TS-400), 34,50 €. Os números de série começam por SN-2024-; a garantia é de 24 meses.
Filtros de substituição em packs de 3 (ref. 55-210-3) por 8,95 €. IVA incluído (23%). Envio
gratuito a partir de 75,00 €; entrega em 3-5 dias úteis.

Plano de treino: semana 1, 5 km leves e 3 x 1 km a 4:45 por km; semana 2, 8 km e 6 x 400 m. A
corrida é a 06/04/2025, partida às 9h15, levantamento de dorsais a partir das 7h30. No ano
passado terminaram 12.347 corredores; o vencedor fez 2:08:31.

Avisos da informática: os portáteis serão reinstalados com a imagem 2024.09 e o cliente VPN
5.3.2. Reinicie antes de sexta-feira para instalar a atualização KB5034441. O portal de apoio
está em https://apoio.example.pt/pedidos. A autenticação de dois fatores é obrigatória para o
correio e a VPN; o código da aplicação muda a cada 30 segundos.
""",
    "pl": """
Protokół ze spotkania z dnia 17.05.2024, godz. 10:30-12:00. Przychody w pierwszym kwartale
wyniosły 1 284 500 zł, o 12,4% więcej niż przed rokiem. Budżet na 2025 rok to 2,45 mln zł, z
czego 380 000 zł na wynagrodzenia. Miasto liczy 1 200 000 mieszkańców, a sala mieści 2500 osób.

Zamówienia: zamówienie nr 4711-0815-2291 zostało wysłane 14.10.2024; numer przesyłki
00659007734102345678 pokazuje, że paczka jest w Poznaniu. Artykuł nr 88-1042-77 będzie znów
dostępny w 44. tygodniu. Faktura 2024-118-55321 na kwotę 1 299,00 zł została opłacona, faktura
FV/2024/00981 jest płatna do 30.11.2024. Prosimy o podawanie sygnatury 2024/0917/33.

Aktualizacja oprogramowania: wersja 2.14.3 zostanie wdrożona w poniedziałek. Naprawia błąd w
Windows 10 kompilacja 19045.3693 i wymaga Pythona 3.11.4. Pobieranie:
https://pobierz.example.pl/app/2.14.3/ ; suma kontrolna SHA-256:
6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b. Oprogramowanie routera 1.2.3.4
nie jest objęte zmianą. Instrukcja: https://pomoc.example.pl/instrukcja?strona=4.

O hasłach: hasła muszą mieć co najmniej 12 znaków. Hasło jest przechowywane w pęku kluczy
systemu i nigdy nie jest zapisywane jawnym tekstem. Jeśli nie pamiętasz hasła, użyj linku
„Nie pamiętam hasła” na stronie logowania. Nigdy nie podawaj hasła, nawet pomocy technicznej.
Klucze API tworzy się w panelu i są wyświetlane tylko raz.

Książka (ISBN 978-83-240-1234-5) ukazała się w czwartym wydaniu; kod kreskowy ma numer EAN
5901234123457. Rozdział 4.2.1 dotyczy kosztów podróży, art. 151 § 1 Kodeksu pracy wyjątków. Plik
Raport_Q3_2024_final.pdf zastępuje wersję roboczą.

Przeprowadzka: biurka na 3. piętrze mają numery od 1 do 120, na 4. od 121 do 240. Winda mieści
8 osób lub 630 kg. Parking kosztuje 2,50 zł za godzinę, maksymalnie 12 zł dziennie. Przeprowadzka
odbędzie się od 18 do 20 grudnia; kod pocztowy pozostaje 00-950.

Karta produktu: czajnik (model KX-2200, 1,7 litra, 2200 W) kosztuje 149,99 zł, toster (model
TS-400) 94,50 zł. Numery seryjne zaczynają się od SN-2024-; gwarancja trwa 24 miesiące. Filtry
zapasowe po 3 sztuki (nr art. 55-210-3) za 28,95 zł. Ceny zawierają 23% VAT. Darmowa dostawa od
175,00 zł; dostawa w 3-5 dni roboczych.

Plan treningowy: tydzień 1, 5 km spokojnie i 3 x 1 km po 4:45 na km; tydzień 2, 8 km i 6 x 400 m.
Bieg odbędzie się 06.04.2025, start o 9:15, odbiór numerów od 7:30. W zeszłym roku bieg
ukończyło 12 347 zawodników; zwycięzca uzyskał czas 2:08:31.

Komunikat działu IT: laptopy zostaną przeinstalowane z obrazu 2024.09 z klientem VPN 5.3.2. Prosimy
o restart przed piątkiem, aby zainstalować aktualizację KB5034441. Portal pomocy:
https://pomoc.example.pl/zgloszenia. Uwierzytelnianie dwuskładnikowe jest obowiązkowe dla poczty
i VPN; kod w aplikacji zmienia się co 30 sekund.
""",
}

# Written after the detectors were tuned on the texts above, and not tuned on since: what users
# paste into a chat — questions, plans, code and configuration without secrets.
CHAT = [
    (
        "en",
        """
Can you help me plan a trip? I land in Lisbon on 12 March at 14:05 (flight TP 1347) and leave on
the 19th at 07:40. The hotel costs 118 euros a night, breakfast included; I have a budget of about
1,500 euros in total. I'd like to see Sintra on one day and Porto on another — the train takes
2 h 50 min and a return ticket is 49.80. Which day is better for Porto if it rains on the 15th?

Here is my Python question. I get "IndexError: list index out of range" on line 42 of parser.py
when the input file has more than 65535 rows. I'm on Python 3.12.1, pandas 2.2.0 and numpy
1.26.3, on Ubuntu 22.04.4 LTS with kernel 6.5.0-27-generic. The file is 148 MB. The loop is:

    for i in range(len(rows) + 1):
        total += rows[i].amount

and the traceback ends with "File /home/user/project/parser.py, line 42, in load". What's wrong?

My docker-compose.yml has:

    services:
      db:
        image: postgres:16.2
        ports:
          - "5432:5432"
        environment:
          POSTGRES_DB: shop
          POSTGRES_PASSWORD_FILE: /run/secrets/db_password
      web:
        image: nginx:1.25.4
        ports:
          - "8080:80"
        deploy:
          resources:
            limits:
              cpus: "0.50"
              memory: 512M

and the settings file says timeout = 30, max_retries: 5, retry_backoff = 1.5,
max_tokens = 1024, temperature = 0.7, top_p = 0.95, batch_size: 256, seed: 1234567. The
password_hash column is VARCHAR(255), the token_count column an INTEGER, and the api_version is
"2024-02-01". Why does the container restart every 90 seconds?

Another one: my React app shows "Warning: Each child in a list should have a unique key prop" in
App.tsx line 118. I use react 18.2.0 and vite 5.1.4. Also the build output says dist/assets/
index-4f3a9c1e.js is 812.44 kB (gzip: 251.30 kB). How can I split it?

I'm comparing two laptops. The first has an i7-1360P, 32 GB of RAM and a 1 TB SSD for 1,349.00;
the second an M3 with 16 GB and 512 GB for 1,599.00. The first weighs 1.24 kg, the second 1.55
kg. The battery is rated at 57 Wh against 72.4 Wh. Which is better for compiling C++ projects of
about 400,000 lines? Build times on my current machine are around 12 min 30 s.

Recipe question: the recipe says 250 g flour, 125 ml milk, 2 eggs, 1/2 tsp salt, bake at 180 °C
for 25-30 minutes in a 24 cm tin. I want to make it for 12 people instead of 4. Also can I
replace the milk with oat milk? And what is 180 °C in Fahrenheit — 356?

Please summarise this meeting: We reviewed the Q2 numbers (revenue 3.2 million, margin 18.5%).
Marketing wants 240,000 more for the autumn campaign. The release of version 4.0 moves from
1 July to 15 July because of bug #3312 and the performance regression in build 4.0.0-rc.3.
Support tickets went from 1,942 in April to 1,511 in May. Action items: finance to send the
forecast by 2024-06-14; engineering to fix issue 3312; everyone to read the RFC at
https://wiki.example.com/rfc/0042-data-retention before Thursday.

What does this error mean? "SSL: CERTIFICATE_VERIFY_FAILED certificate verify failed: unable to
get local issuer certificate (_ssl.c:1006)". I'm calling https://api.example.com/v2/items?page=3&
per_page=100 from a corporate network with a proxy on port 3128.

How do I convert 2,750 square feet to square metres, and what is a fair rent at 14.50 per square
metre per month? The flat is on the 3rd floor, built in 1974, renovated in 2019, energy class C,
132 kWh/m² per year.

Can you explain git rebase vs merge? My branch feature/login-2fa is 37 commits behind main and 5
ahead. git log shows the last commit as 9c1e2f7 "fix typo in README". Should I squash?

Regex help: I need to match dates like 2024-05-17 and 17.05.2024 but not 17.05.24. My pattern is
\\d{4}-\\d{2}-\\d{2}|\\d{2}\\.\\d{2}\\.\\d{4} — is that right? Also how do I match prices
like 1.299,00 €?
""",
    ),
    (
        "de",
        """
Kannst du mir bei einer Bewerbung helfen? Die Stelle ist ab 01.09.2024 ausgeschrieben, 38,5
Stunden pro Woche, Gehalt nach TV-L E13, Stufe 3 (etwa 5.100 € brutto). Bewerbungsschluss ist der
30.06. Ich habe 7 Jahre Berufserfahrung und einen Master von 2016. Wie lang darf das Anschreiben
sein — eine Seite oder 1,5?

Ich plane einen Umzug von Köln nach Leipzig. Die Wohnung hat 74,5 m², kostet 812 € kalt plus
215 € Nebenkosten, Kaution drei Kaltmieten. Der Umzugswagen (7,5 t) kostet 189 € am Tag plus 0,39
€ pro km; die Strecke ist etwa 495 km lang. Lohnt sich eine Umzugsfirma, die 2.350 € verlangt?

Mein Excel-Problem: In Spalte B stehen Beträge wie 1.234,56 und in Spalte C Daten wie 03.04.2024.
Die Formel =SUMMEWENNS(B2:B1048;C2:C1048;">="&DATUM(2024;4;1)) gibt 0 zurück. Ich nutze Excel
Version 2403 (Build 17425.20176). Woran liegt das?

Fasse bitte diesen Text zusammen: Die Gemeinde hat 12.480 Einwohner. Der Haushalt 2024 umfasst
Erträge von 31,2 Mio. € und Aufwendungen von 32,7 Mio. €. Für die Sanierung der Grundschule sind
4,8 Mio. € vorgesehen, davon 2,1 Mio. € aus Fördermitteln. Die Grundsteuer B steigt von 450 auf 495
Prozentpunkte. Die Sitzung des Gemeinderats ist am Donnerstag, 18. April, um 19:00 Uhr im
Rathaus, Saal 2.

Ich habe eine Frage zu meinem Router. Die Firmware-Version ist 7.57, die Oberfläche erreiche ich
über fritz.box. Das WLAN-Passwort habe ich gestern geändert, seitdem verbindet sich der Drucker
nicht mehr. Muss ich am Drucker etwas neu einstellen? Das Modell ist ein HL-L2350DW.

Rechenaufgabe für meine Tochter: Ein Zug fährt um 8:12 Uhr in Hamburg ab und kommt um 11:47 Uhr in
Berlin an. Die Strecke ist 289 km lang. Wie hoch ist die Durchschnittsgeschwindigkeit? Und wenn
er 12 Minuten Verspätung hat?

Bitte übersetze ins Englische: „Die Lieferung mit der Lieferscheinnummer 80012345 ist am
12.03.2024 unvollständig eingetroffen. Es fehlen 3 von 24 Kartons. Bitte senden Sie die
fehlenden Teile bis KW 14 nach.“

Welche Versicherung brauche ich wirklich? Haftpflicht kostet etwa 60 € im Jahr, Hausrat bei 75 m²
ungefähr 90 €, Berufsunfähigkeit für einen 35-Jährigen zwischen 70 und 120 € im Monat. Mein
Nettoeinkommen liegt bei 3.150 €.
""",
    ),
    (
        "fr",
        """
Peux-tu m'aider à préparer un voyage ? J'arrive à Marseille le 4 août à 16h20 (TGV 6107) et je
repars le 11. L'hôtel coûte 96 € la nuit ; mon budget total est d'environ 1 200 €. Je voudrais
visiter les calanques, et le bateau coûte 34 € par personne. Quel jour est le plus calme ?

J'ai une question sur Excel : dans la colonne B j'ai des montants comme 1 234,56 et dans la
colonne C des dates comme 03/04/2024. La formule =SOMME.SI.ENS(B2:B500;C2:C500;">=01/04/2024")
renvoie 0. J'utilise Office 2021, version 2108 (build 14332.20604).

Résume ce texte, s'il te plaît : la commune compte 8 950 habitants. Le budget 2024 prévoit
21,4 millions d'euros de recettes et 22,1 millions de dépenses. La rénovation de l'école coûtera
3,2 millions, dont 1,4 million de subventions. Le conseil municipal se réunira le jeudi 18 avril à
19h00, salle 2 de la mairie.

Mon code Python plante avec « KeyError: 'prix' » à la ligne 87 de factures.py. J'utilise Python
3.11.8 et pandas 2.1.4. Le fichier CSV fait 23 Mo et contient 412 000 lignes séparées par des
points-virgules. Comment lire correctement les nombres au format 1 234,56 ?

Un problème de maths pour mon fils : un train part de Paris à 8h12 et arrive à Lyon à 10h08. La
distance est de 465 km. Quelle est la vitesse moyenne ? Et s'il a 12 minutes de retard ?

Traduis en allemand : « La livraison du bon n° 80012345 est arrivée incomplète le 12/03/2024. Il
manque 3 cartons sur 24. Merci d'envoyer les pièces manquantes avant la semaine 14. »

Je compare deux offres de prêt : 180 000 € sur 20 ans à 3,85 % ou sur 25 ans à 3,95 %. La
mensualité de la première est d'environ 1 076 €, celle de la seconde 946 €. Quel est le coût
total de chaque crédit, assurance de 0,34 % comprise ?
""",
    ),
    (
        "es",
        """
¿Me ayudas a planear un viaje? Llego a Sevilla el 14 de abril a las 9:35 (vuelo IB 3120) y me
voy el 21. El hotel cuesta 89 € la noche y mi presupuesto es de unos 1.100 € en total. Quiero ir
a Córdoba un día; el AVE tarda 45 minutos y cuesta 28,90 € por trayecto. ¿Qué día me recomiendas?

Tengo un problema con Excel: en la columna B hay importes como 1.234,56 y en la C fechas como
03/04/2024. La fórmula =SUMAR.SI.CONJUNTO(B2:B900;C2:C900;">="&FECHA(2024;4;1)) devuelve 0. Uso
Excel versión 2402 (compilación 17328.20184).

Resume este texto: el municipio tiene 15.320 habitantes. El presupuesto de 2024 prevé ingresos de
27,6 millones de euros y gastos de 28,3 millones. La reforma del colegio costará 3,9 millones, de
los que 1,7 millones llegan de subvenciones. El pleno se reunirá el jueves 18 de abril a las
19:00 en la sala 2 del ayuntamiento.

Mi programa en Java falla con «NullPointerException» en la línea 214 de Pedidos.java. Uso Java
21.0.2 y Spring Boot 3.2.3. El servidor tiene 8 GB de memoria y el proceso usa 6,4 GB a las
14:00. ¿Cómo lo investigo?

Problema para mi hija: un tren sale de Madrid a las 8:12 y llega a Barcelona a las 10:42. La
distancia es de 621 km. ¿Cuál es la velocidad media? ¿Y si lleva 12 minutos de retraso?

Traduce al inglés: «El envío con el albarán n.º 80012345 llegó incompleto el 12/03/2024. Faltan
3 de 24 cajas. Por favor, envíen las piezas que faltan antes de la semana 14.»

Estoy comparando dos hipotecas: 180.000 € a 25 años al 3,45 % o a 30 años al 3,60 %. La cuota de
la primera es de unos 898 € y la de la segunda de 818 €. ¿Cuánto pago en total en cada caso?
""",
    ),
    (
        "it",
        """
Mi aiuti a organizzare un viaggio? Arrivo a Napoli il 6 maggio alle 11:50 (Frecciarossa 9517) e
riparto il 12. L'albergo costa 105 € a notte e il budget totale è di circa 1.300 €. Vorrei andare
a Pompei e a Capri: il traghetto costa 24,30 € a tratta. Quale giorno è meglio?

Ho un problema con Excel: nella colonna B ci sono importi come 1.234,56 e nella colonna C date
come 03/04/2024. La formula =SOMMA.PIÙ.SE(B2:B700;C2:C700;">="&DATA(2024;4;1)) restituisce 0. Uso
Excel versione 2401 (build 17231.20236).

Riassumi questo testo: il comune ha 9.870 abitanti. Il bilancio 2024 prevede entrate per 19,8
milioni di euro e uscite per 20,4 milioni. La ristrutturazione della scuola costerà 2,7 milioni,
di cui 1,1 milioni da contributi regionali. Il consiglio comunale si riunirà giovedì 18 aprile
alle 19:00 nella sala 2 del municipio.

Il mio script Python si blocca con «ValueError: could not convert string to float: '1.234,56'»
alla riga 58 di bilancio.py. Uso Python 3.10.12 e pandas 1.5.3. Come leggo i numeri in formato
italiano?

Problema per mio figlio: un treno parte da Milano alle 8:15 e arriva a Roma alle 11:25. La
distanza è di 574 km. Qual è la velocità media? E se ha 12 minuti di ritardo?

Traduci in inglese: «La consegna con il DDT n. 80012345 è arrivata incompleta il 12/03/2024.
Mancano 3 colli su 24. Vi preghiamo di inviare i pezzi mancanti entro la settimana 14.»
""",
    ),
    (
        "nl",
        """
Kun je me helpen met een reis? Ik land op 9 juni om 13:25 in Bologna (vlucht KL 1597) en vlieg
op de 16e terug. Het hotel kost € 94 per nacht en mijn budget is ongeveer € 1.250. Ik wil een
dag naar Florence; de trein doet er 37 minuten over en kost € 19,90. Welke dag is het rustigst?

Ik heb een vraag over Excel: in kolom B staan bedragen als 1.234,56 en in kolom C datums als
03-04-2024. De formule =SOMMEN.ALS(B2:B600;C2:C600;">="&DATUM(2024;4;1)) geeft 0. Ik gebruik
Excel versie 2403 (build 17425.20146).

Vat deze tekst samen: de gemeente telt 23.410 inwoners. De begroting 2024 bevat € 41,3 miljoen
aan inkomsten en € 42,0 miljoen aan uitgaven. De renovatie van de basisschool kost € 5,1 miljoen,
waarvan € 2,2 miljoen subsidie. De gemeenteraad vergadert op donderdag 18 april om 19.30 uur in
zaal 2 van het gemeentehuis.

Rekenvraag voor mijn dochter: een trein vertrekt om 8.12 uur uit Amsterdam en komt om 10.53 uur
aan in Maastricht. De afstand is 213 km. Wat is de gemiddelde snelheid? En met 12 minuten
vertraging?

Vertaal naar het Engels: „De levering met pakbonnummer 80012345 is op 12-03-2024 onvolledig
aangekomen. Er ontbreken 3 van de 24 dozen. Graag de ontbrekende delen voor week 14 nasturen.”
""",
    ),
    (
        "pt",
        """
Podes ajudar-me a planear uma viagem? Chego ao Porto a 22 de setembro às 10h10 (voo TP 1952) e
volto a 29. O hotel custa 87 € por noite e o meu orçamento é de cerca de 1.150 €. Quero ir um dia
a Braga; o comboio demora 57 minutos e custa 3,25 €. Que dia recomendas?

Tenho uma dúvida no Excel: na coluna B tenho valores como 1.234,56 e na coluna C datas como
03/04/2024. A fórmula =SOMA.SE.S(B2:B800;C2:C800;">="&DATA(2024;4;1)) devolve 0. Uso o Excel
versão 2402 (compilação 17328.20162).

Resume este texto: o concelho tem 41.280 habitantes. O orçamento de 2024 prevê receitas de 58,4
milhões de euros e despesas de 59,1 milhões. A requalificação da escola custará 4,6 milhões, dos
quais 2,3 milhões de fundos europeus. A assembleia municipal reúne na quinta-feira, 18 de abril,
às 21h00, na sala 2 dos Paços do Concelho.

Problema para o meu filho: um comboio parte de Lisboa às 8h09 e chega ao Porto às 10h58. A
distância é de 337 km. Qual é a velocidade média? E com 12 minutos de atraso?

Traduz para inglês: «A entrega com a guia n.º 80012345 chegou incompleta a 12/03/2024. Faltam 3
de 24 caixas. Por favor enviem as peças em falta até à semana 14.»
""",
    ),
    (
        "pl",
        """
Pomożesz mi zaplanować wyjazd? Przylatuję do Gdańska 3 lipca o 15:40 (lot LO 3821) i wracam 10.
Hotel kosztuje 420 zł za noc, a mój budżet to około 5 500 zł. Chcę pojechać na jeden dzień do
Malborka; pociąg jedzie 36 minut i kosztuje 19,90 zł. Który dzień polecasz?

Mam problem z Excelem: w kolumnie B są kwoty typu 1 234,56, a w kolumnie C daty typu 03.04.2024.
Formuła =SUMA.WARUNKÓW(B2:B400;C2:C400;">="&DATA(2024;4;1)) zwraca 0. Używam Excela w wersji 2403
(kompilacja 17425.20176).

Streść ten tekst: gmina liczy 18 620 mieszkańców. Budżet na 2024 rok przewiduje dochody w
wysokości 96,4 mln zł i wydatki 99,8 mln zł. Remont szkoły podstawowej kosztować będzie 12,3 mln
zł, z czego 5,6 mln zł pochodzi z dotacji. Sesja rady gminy odbędzie się w czwartek 18 kwietnia o
godz. 17:00 w sali nr 2 urzędu.

Zadanie dla mojej córki: pociąg odjeżdża z Warszawy o 8:12 i przyjeżdża do Krakowa o 10:41.
Odległość wynosi 293 km. Jaka jest średnia prędkość? A jeśli ma 12 minut opóźnienia?

Przetłumacz na angielski: „Dostawa z dowodem WZ nr 80012345 dotarła niekompletna 12.03.2024.
Brakuje 3 z 24 kartonów. Prosimy o dosłanie brakujących części do 14. tygodnia.”
""",
    ),
]

# Written last and run once as it stands: the check that the figures above were not tuned into.
HELD_OUT = [
    (
        "en",
        """
Weekly status, week 23. The migration of the billing service to Kubernetes 1.29 finished on
Tuesday; the old VMs (vm-bill-01 to vm-bill-04) are switched off on 14 June. p95 latency dropped
from 420 ms to 185 ms, and the error rate is 0.03%. Costs went from 6,840 to 5,120 a month.
The incident on 3 June (INC-20240603-017) lasted 47 minutes: a certificate expired at 00:00 UTC.
We now renew certificates 30 days before expiry and alert at 14 days. Next sprint: upgrade
PostgreSQL from 14.11 to 16.3, remove the feature flag new_checkout_v2, and review the 12 open
pull requests (#4410 to #4421). The design doc is at https://docs.example.com/d/billing-k8s and
the dashboard at https://grafana.example.com/d/abc123/billing?orgId=1&from=now-7d.
Shopping list for the team offsite: 3 x 1.5 l water, 24 rolls, 2 kg fruit, coffee for 18 people.
The bus leaves at 08:15 from gate 4 and returns at 18:30; the ticket costs 12.90 per person.
Reading list: "Designing Data-Intensive Applications" (ISBN 978-1-4493-7332-0), chapter 5 and 9;
RFC 9110 sections 9.3.1 to 9.3.5; PEP 8 and PEP 484.
""",
    ),
    (
        "de",
        """
Nebenkostenabrechnung 2023: Heizkosten 1.124,38 €, Wasser 312,40 €, Müll 186,00 €, Hausmeister
240,00 €. Vorauszahlungen 1.800,00 €, Nachzahlung also 62,78 €, fällig bis 15.07.2024. Die
Wohnfläche beträgt 68,25 m², der Anteil am Haus 68,25/512,70. Zählerstand Wasser am 31.12.2023:
1.283,472 m³. Der Vermieter bittet um Überweisung mit dem Verwendungszweck „NK 2023 Whg. 7“.
Im Verein: Die Mitgliederversammlung ist am 21.09. um 18:30 Uhr im Vereinsheim. Tagesordnung:
1. Bericht des Vorstands, 2. Kassenbericht (Kontostand 4.812,55 €), 3. Wahlen, 4. Beitrag 2025
(Vorschlag: 60 € statt 48 €), 5. Verschiedenes. Anträge bis 07.09. an den Vorstand.
Das neue Passwortsystem des Vereinsportals verlangt 12 Zeichen; bitte das Kennwort beim nächsten
Login ändern.
""",
    ),
    (
        "fr",
        """
Liste pour le déménagement du 28/06 : 35 cartons, 4 rouleaux de scotch, un diable, la
camionnette de 12 m³ réservée de 8h à 18h (89 € + 0,29 €/km). Prévenir la banque, les impôts et
la CAF ; résilier l'abonnement internet avant le 30/06 (préavis de 10 jours). Le nouvel
appartement fait 62 m², loyer 940 € charges comprises, dépôt de garantie 1 880 €. Relevé du
compteur électrique à l'entrée : 45 812 kWh. Rendez-vous pour l'état des lieux le 29/06 à 10h30.
Pour la réunion de parents : classe de CM2, 27 élèves, sortie au musée le 14 mai (6 € par
enfant), kermesse le samedi 22 juin de 14h à 18h. Le mot de passe de l'ENT doit être changé tous
les 90 jours.
""",
    ),
    (
        "es",
        """
Notas de la comunidad de vecinos: la derrama para el ascensor es de 1.450 € por vivienda, en tres
plazos (marzo, junio y septiembre). El presupuesto ganador es de 38.900 € más IVA; la obra dura 6
semanas a partir del 2 de septiembre. La próxima junta es el 15/10 a las 19:30 en el portal. El
seguro del edificio sube un 4,5 %, hasta 2.310 € al año. Hay que cambiar 14 bombillas del garaje
(LED de 9 W). La contraseña de la wifi del local comunitario se cambiará el mes que viene.
""",
    ),
]
