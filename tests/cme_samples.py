"""Real `show ephone` output of CUCME routers: one capture kept byte-exact in
tests/fixtures/real/cme/, and samples from Cisco's documents, quoted from where they were
published (no licence lets a copy live in tests/fixtures/real/; tests/fixtures/real/PROVENANCE.md
lists them under "Found, read, and not copied here"). Each is as published, line for line; where
the page flattened a block into separate code boxes, the lines are joined back and noted.
"""

from __future__ import annotations

from pathlib import Path

REAL = Path(__file__).parent / "fixtures" / "real"

REAL_2801_SH_EPHONE_REGISTERED = (REAL / "cme" / "2801-cp7941-sh-ephone-registered.txt").read_bytes().decode("ascii")
"""A 2801 router's `sh ephone registered` with two CP-7941 phones, byte-exact from
josephstreeter/josephstreeter.github.io (tests/fixtures/real/PROVENANCE.md); CRLF line ends."""

# source: Cisco, "Configure and Troubleshoot CUE MWI Mechanisms", Document ID 211258 (CUCME 7.1
# and 8.5, "Cisco IP Phone 7965 registered with CUCME, with SCCP"),
# https://www.cisco.com/c/en/us/support/docs/unified-communications/unity-express/211258-Configure-and-Troubleshoot-CUE-MWI-Mecha.html
CISCO_211258_SHOW_EPHONE_REG = """\
#show ephone reg
ephone-1[0] Mac:0023.5E18.23EC TCP socket:[1] activeLine:0 whisperLine:0 REGISTERED in SCCP ver 17/12 max_streams=5
mediaActive:0 whisper_mediaActive:0 startMedia:0 offhook:0 ringing:0 reset:0 reset_sent:0 paging 0 debug:1 caps:9 privacy:1
IP:10.10.202.2 22856 7965  keepalive 186 max_line 6 available_line 6
button 1: dn 1  number 3001 CH1   IDLE         CH2   IDLE         CH3   IDLE         CH4   IDLE         CH5   IDLE         CH6   IDLE         CH7   IDLE         CH8   IDLE mwi Preferred Codec: g711ulaw
Username: MWI1 Password: cisco"""

# source: Cisco Unified CME Command Reference, "Cisco Unified CME Commands: A", `auto assign`,
# "partial output from the show ephone registered command listing four registered IP phones",
# https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cucme/command/reference/cme_cr/cme_cr_chapter_00.html
# (the page runs the command line into the first header; the first line is split back here).
CISCO_CMDREF_SHOW_EPHONE_REGISTERED = """\
Router# show ephone registered
ephone-1 Mac:0003.E3E7.F627 TCP socket:[2] activeLine:0 REGISTERED 
mediaActive:0 offhook:0 ringing:0 reset:0 reset_sent:0 paging 0 debug:0
IP:10.0.0.2 51671 Telecaster 7940 keepalive 28 max_line 2
button 1: dn 1 number 2000 
ephone-2 Mac:0030.94C3.F43A TCP socket:[1] activeLine:0 REGISTERED 
mediaActive:0 offhook:0 ringing:0 reset:0 reset_sent:0 paging 0 debug:0
IP:10.0.0.3 50094 Telecaster 7960 keepalive 28 max_line 6
button 1: dn 2 number 3000 
ephone-3 Mac:0003.6B40.99DA TCP socket:[3] activeLine:0 REGISTERED 
mediaActive:0 offhook:0 ringing:0 reset:0 reset_sent:0 paging 0 debug:0
IP:10.0.0.200 51879 Telecaster 7960 keepalive 28 max_line 6
button 1: dn 3 number 4000
ephone-4 Mac:0010.406B.99D9 TCP socket:[4] activeLine:0 REGISTERED 
mediaActive:0 offhook:0 ringing:0 reset:0 reset_sent:0 paging 0 debug:0
IP:10.0.0.012 51879 Telecaster 7960 keepalive 28 max_line 6
button 1: dn 4 number 4001
.
.
."""

# source: Cisco, "Troubleshooting Phone Registration in Cisco Unified CME" (2010), step 15,
# `show ephone` with a registered and an unregistered phone,
# https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cucme/troubleshooting/guide/ts_phreg.html
# (one code box per line on the page; joined back with newlines).
CISCO_TS_SHOW_EPHONE = """\
Router# show ephone
ephone-2 Mac:000A.8A5C.5961 TCP socket:[1] activeLine:0 REGISTERED
mediaActive:0 offhook:0 ringing:0 reset:0 reset_sent:0 paging 0 debug:0
IP:192.168.0.50 50349 Telecaster 7940  keepalive 23738 max_line 2
button 1: dn 2  number 91450 CH1 IDLE      CH2 IDLE
ephone-5 Mac:123E.A432.987B TCP socket:[-1] activeLine:0 UNREGISTERED
mediaActive:0 offhook:0 ringing:0 reset:0 reset_sent:0 paging 0 debug:0
IP:192.168.0.51 52243 Unknown 0 keepalive 0 max_line 0"""

# source: Cisco SRST SNMP MIB Release 3.4 Guide, "Monitoring SCCP Phone Statistics", `sh ephone
# summary` on an SRST router (the ephone part of IOS CME and SRST share this command),
# https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cusrst/mib/reference/guide/srst34/srst34mb/srst_mib.html
# (one code box per line on the page; joined back with newlines).
CISCO_SRST_SH_EPHONE_SUMMARY = """\
SRST-Router#sh ephone summary
ephone-1 Mac:000F.24BA.2C37 TCP socket:[1] activeLine:0 REGISTERED
mediaActive:0 offhook:0 ringing:0 reset:0 reset_sent:0 debug:0
IP:1.4.196.42 7912   keepalive 2  1:1 2:2  CM Fallback
ephone-2 Mac:0011.BBEF.7554 TCP socket:[2] activeLine:0 REGISTERED
mediaActive:0 offhook:0 ringing:0 reset:0 reset_sent:0 debug:0
IP:1.4.196.2 Telecaster 7960  keepalive 2   CM Fallback
ephone-3 Mac:000D.2808.427F TCP socket:[3] activeLine:0 REGISTERED
mediaActive:0 offhook:0 ringing:0 reset:0 reset_sent:0 debug:0
IP:1.4.196.3 Telecaster 7960  keepalive 1   CM Fallback
Max 10, Registered 3, Unregistered 0, Deceased 0, Sockets 3
ephone_send_packet process switched 0
Max Conferences 8 with 0 active (8 allowed)
Skinny Music On Hold Status
Active MOH clients 0 (max 480), Media Clients 0
No MOH file loaded"""

# source: Cisco Unified CME Command Reference, "Cisco Unified CME Commands: S2", `show ephone
# offhook`, "sample output ... Unified CME 12.6 enhancement" (the `dn` of a button on the line after
# `button 1: cw:1 ccw:(0 0)`, an analog gateway port as the phone type),
# https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cucme/command/reference/cme_cr/cme_cr_chapter_010001.html
CISCO_CMDREF_126_SHOW_EPHONE_OFFHOOK = """\
ephone-1[0] Mac:549A.EBB5.8000 TCP socket:[1] activeLine:1 whisperLine:0 REGISTERED in SCCP ver 21/17 max_streams=1 + Authentication + Encryption with TLS connection
mediaActive:1 whisper_mediaActive:0 startMedia:1 offhook:1 ringing:0 reset:0 reset_sent:0 paging 0 debug:0 caps:8
IP:8.44.22.63 * 17872 SCCP Gateway (AN) keepalive 28 max_line 1 available_line 1
port 0/0/0
button 1: cw:1 ccw:(0 0)
 dn 1 number 6901 CM Fallback CH1 CONNECTED CH2 IDLE
Preferred Codec: g711ulaw
Lpcor Type: none Active Secure Call on DN 1 chan 1 :6901 8.44.22.63 18116
 to 8.39.25.11 8066 via 8.39.0.1
G711Ulaw64k 160 bytes no vad SRTP cipher: AES_CM_128_HMAC_SHA1_32
  local key: 0OPV0yxvcnRLPMzHfmYbwgHfdxcuS1uPbp5j/Tjk
  remote key: e8DQl3Kvk7LjZlipaCoMg9TMreBmiPsFmNiVHwIA Tx Pkts 0 bytes 0 Rx Pkts 0 bytes 0 Lost 0
Jitter 0 Latency 0 callingDn -1 calledDn -1"""
