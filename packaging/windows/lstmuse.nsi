; The Windows installer (NSIS 3; scripts/package.sh runs makensis with these defines):
;   VERSION  the crate's version          STAGE  the folder with lstmuse.exe and models\
;   OUTFILE  the installer to write       ICON   assets\icon\lstmuse.ico
; It installs for the current user (no administrator rights) into
; %LOCALAPPDATA%\Programs\LSTMuse, adds a Start menu and a desktop shortcut, an entry in
; Settings > Apps (with its uninstaller), and opens .krn and .abc files in LSTMuse where no
; other program already does.

; A 64-bit installer for the 64-bit app: it also runs where Windows-on-Windows (32-bit
; programs on 64-bit Windows) is missing, as in a Wine without wine32.
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel user

!include "MUI2.nsh"
!include "LogicLib.nsh"

!define APP "LSTMuse"
!define PROGID "LSTMuse.Melody"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\LSTMuse"

Name "${APP} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${APP}"
InstallDirRegKey HKCU "Software\${APP}" "InstallDir"
BrandingText "${APP} ${VERSION}"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_FINISHPAGE_RUN "$INSTDIR\lstmuse.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${APP}"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

; Opens files of extension $0 in LSTMuse: always offered under "Open with", and the
; default where the extension has none yet.
Function RegisterExtension
  WriteRegStr HKCU "Software\Classes\$0\OpenWithProgids" "${PROGID}" ""
  ReadRegStr $1 HKCU "Software\Classes\$0" ""
  ReadRegStr $2 HKCR "$0" ""
  ${If} $1 == ""
  ${AndIf} $2 == ""
    WriteRegStr HKCU "Software\Classes\$0" "" "${PROGID}"
  ${EndIf}
FunctionEnd

Function un.UnregisterExtension
  DeleteRegValue HKCU "Software\Classes\$0\OpenWithProgids" "${PROGID}"
  DeleteRegKey /ifempty HKCU "Software\Classes\$0\OpenWithProgids"
  ReadRegStr $1 HKCU "Software\Classes\$0" ""
  ${If} $1 == "${PROGID}"
    DeleteRegValue HKCU "Software\Classes\$0" ""
  ${EndIf}
  DeleteRegKey /ifempty HKCU "Software\Classes\$0"
FunctionEnd

Section "LSTMuse"
  SetOutPath "$INSTDIR"
  File "${STAGE}\lstmuse.exe"
  File "${STAGE}\README.txt"
  SetOutPath "$INSTDIR\models\essen-german"
  File "${STAGE}\models\essen-german\*.*"
  SetOutPath "$INSTDIR"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\lstmuse.exe"
  CreateShortcut "$DESKTOP\${APP}.lnk" "$INSTDIR\lstmuse.exe"

  WriteRegStr HKCU "Software\${APP}" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "LSTMuse"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\lstmuse.exe"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1

  WriteRegStr HKCU "Software\Classes\${PROGID}" "" "Melody"
  WriteRegStr HKCU "Software\Classes\${PROGID}\DefaultIcon" "" "$INSTDIR\lstmuse.exe,0"
  WriteRegStr HKCU "Software\Classes\${PROGID}\shell\open\command" "" '"$INSTDIR\lstmuse.exe" app "%1"'
  StrCpy $0 ".krn"
  Call RegisterExtension
  StrCpy $0 ".abc"
  Call RegisterExtension
  ; Tell Explorer that file associations changed (SHCNE_ASSOCCHANGED).
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
SectionEnd

Section "Uninstall"
  Delete "$SMPROGRAMS\${APP}.lnk"
  Delete "$DESKTOP\${APP}.lnk"
  Delete "$INSTDIR\lstmuse.exe"
  Delete "$INSTDIR\README.txt"
  Delete "$INSTDIR\models\essen-german\*.*"
  RMDir "$INSTDIR\models\essen-german"
  RMDir "$INSTDIR\models"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"

  StrCpy $0 ".krn"
  Call un.UnregisterExtension
  StrCpy $0 ".abc"
  Call un.UnregisterExtension
  DeleteRegKey HKCU "Software\Classes\${PROGID}"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  DeleteRegKey HKCU "Software\${APP}"
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
SectionEnd
