; Inno Setup script: dist\enclave\ -> dist\Enclave-VERSION-setup.exe
;   iscc /DAppVersion=0.1.0 packaging\windows\enclave.iss     (scripts/build-dist.sh passes the version
;   from app/__init__.py, the one place it lives)
; Installs per user by default (no administrator needed); IT can deploy silently with
;   Enclave-VERSION-setup.exe /VERYSILENT /ALLUSERS /NORESTART
#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z enclave.iss
#endif

[Setup]
AppId={{6E1C2F4A-8B0D-4E55-9B7A-3C2D9E7F1A10}
AppName=Enclave
AppVersion={#AppVersion}
AppVerName=Enclave {#AppVersion}
AppPublisher=Enclave
VersionInfoVersion={#AppVersion}
VersionInfoDescription=Enclave — a private AI assistant that lives on your computer
VersionInfoProductName=Enclave
DefaultDirName={autopf}\Enclave
DefaultGroupName=Enclave
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=Enclave-{#AppVersion}-setup
SetupIconFile=enclave.ico
UninstallDisplayIcon={app}\Enclave.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Files]
Source: "..\..\dist\enclave\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Enclave"; Filename: "{app}\Enclave.exe"
Name: "{group}\Uninstall Enclave"; Filename: "{uninstallexe}"
Name: "{autodesktop}\Enclave"; Filename: "{app}\Enclave.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
Filename: "{app}\enclave.exe"; Parameters: "--self-test"; Flags: runhidden waituntilterminated; StatusMsg: "Checking the installation…"
Filename: "{app}\Enclave.exe"; Description: "Start Enclave"; Flags: nowait postinstall skipifsilent

; Conversations, settings and models live in %LOCALAPPDATA%\Enclave and are kept on uninstall.
