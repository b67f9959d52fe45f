; Inno Setup 6 script: the Windows installer of Callback Inspector.
; Built by packaging\windows\build.ps1, which passes the version:
;   iscc /DAppVersion=0.1.0 packaging\windows\callback-inspector.iss
; Input: dist\pyinstaller\callback-inspector\ (the PyInstaller bundle) and build\icons\*.ico.
; Output: dist\callback-inspector-<version>-windows-x64-setup.exe

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z callback-inspector.iss
#endif
#define AppName "Callback Inspector"
#define Root AddBackslash(SourcePath) + "..\.."

[Setup]
; Never change AppId: upgrades and uninstall find the installed app by it.
AppId={{6B1D0F57-3C0E-4C55-9E0B-2F3B6E8A4C1D}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Callback Inspector developers
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Per-user install by default (no admin prompt); the user may choose all users.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#Root}\dist
OutputBaseFilename=callback-inspector-{#AppVersion}-windows-x64-setup
SetupIconFile={#Root}\build\icons\callback-inspector.ico
UninstallDisplayIcon={app}\callback-inspector-gui.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesEnvironment=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "addtopath"; Description: "Add callback-inspector to PATH (for serve and submit in a terminal)"; Flags: unchecked

[Files]
Source: "{#Root}\dist\pyinstaller\callback-inspector\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\callback-inspector-gui.exe"
Name: "{group}\Uninstall {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\callback-inspector-gui.exe"; Tasks: desktopicon

[Registry]
Root: HKA; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NeedsAddPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\callback-inspector-gui.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
function NeedsAddPath(Dir: string): Boolean;
var
  Current: string;
  RootKey: Integer;
begin
  if IsAdminInstallMode then RootKey := HKLM else RootKey := HKCU;
  if not RegQueryStringValue(RootKey, 'Environment', 'Path', Current) then
    Result := True
  else
    Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Current) + ';') = 0;
end;
