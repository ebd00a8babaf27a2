; Inno Setup script: dist\enclave\ -> dist\Enclave-VERSION-setup.exe
;   iscc /DAppVersion=0.1.0 /DAppNumericVersion=0.1.0 packaging\windows\enclave.iss
;   (scripts/build-dist.sh passes both from app/__init__.py, the one place the version lives; with
;   WINDOWS_SIGN_COMMAND set it also passes /DSign and /Senclavesign=..., so the installer and its
;   uninstaller are signed like the executables and libraries inside)
; Installs per user by default (no administrator needed); IT can deploy silently with
;   Enclave-VERSION-setup.exe /VERYSILENT /ALLUSERS /NORESTART /SUPPRESSMSGBOXES /LOG=install.log
; Exit code 0: installed and self-tested; 3: installed, but its self-test failed (see the log).
#if VER < EncodeVer(6, 3, 0)
  #error Inno Setup 6.3 or newer is needed (x64compatible, the dialog override)
#endif
#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z /DAppNumericVersion=X.Y.Z enclave.iss
#endif
#ifndef AppNumericVersion
  #define AppNumericVersion AppVersion
#endif

[Setup]
AppId={{6E1C2F4A-8B0D-4E55-9B7A-3C2D9E7F1A10}
AppName=Enclave
AppVersion={#AppVersion}
AppVerName=Enclave {#AppVersion}
AppPublisher=Enclave
; Numbers only: Windows' version resource rejects "1.2.0rc1".
VersionInfoVersion={#AppNumericVersion}
VersionInfoDescription=Enclave — a private AI assistant that lives on your computer
VersionInfoProductName=Enclave
DefaultDirName={autopf}\Enclave
DefaultGroupName=Enclave
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Qt 6 needs Windows 10 1809 or later.
MinVersion=10.0.17763
OutputDir=..\..\dist
OutputBaseFilename=Enclave-{#AppVersion}-setup
SetupIconFile=enclave.ico
UninstallDisplayIcon={app}\enclavew.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
#ifdef Sign
SignTool=enclavesign
SignedUninstaller=yes
#endif

[InstallDelete]
; An upgrade replaces the libraries whole: llama.cpp loads every ggml-* library in its folder, and
; an old version's would be loaded against the new ggml-base.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "..\..\dist\enclave\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Enclave"; Filename: "{app}\enclavew.exe"
Name: "{group}\Uninstall Enclave"; Filename: "{uninstallexe}"
Name: "{autodesktop}\Enclave"; Filename: "{app}\enclavew.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
Filename: "{app}\enclavew.exe"; Description: "Start Enclave"; Flags: nowait postinstall skipifsilent runasoriginaluser

; Conversations, settings and models live in %LOCALAPPDATA%\Enclave and are kept on uninstall.

[Code]
var
  SelfTestFailed: Boolean;

// The self-test runs in a throw-away data folder (--scratch): an all-users install runs elevated,
// and would otherwise create the administrator's data folders. [Run] entries ignore exit codes,
// so it runs here, where a failure is shown (or logged, when silent) and sets the exit code.
procedure CurStepChanged(CurStep: TSetupStep);
var
  ResultCode: Integer;
begin
  if CurStep = ssPostInstall then
  begin
    WizardForm.StatusLabel.Caption := 'Checking the installation…';
    if not Exec(ExpandConstant('{app}\enclave.exe'), '--self-test --scratch', '', SW_HIDE,
                ewWaitUntilTerminated, ResultCode) or (ResultCode <> 0) then
    begin
      SelfTestFailed := True;
      Log(Format('Enclave self-test failed (exit code %d)', [ResultCode]));
      SuppressibleMsgBox('Enclave was installed, but its self-test failed. Run "' +
        ExpandConstant('{app}\enclave.exe') + ' --self-test" to see why.',
        mbError, MB_OK, IDOK);
    end;
  end;
end;

function GetCustomSetupExitCode: Integer;
begin
  if SelfTestFailed then
    Result := 3
  else
    Result := 0;
end;
