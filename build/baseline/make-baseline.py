"""Makes build/baseline/: the API of each bundle, as released, for bnd-baseline-maven-plugin.

Usage, from the repository root, after `./occams build` of the release commit:
    python3 build/baseline/make-baseline.py LOCAL_REPO FROM_VERSION COMMIT [RELEASE]
e.g. python3 build/baseline/make-baseline.py ~/.m2/repository 0.1.0-SNAPSHOT 5a63610
Each jar keeps its manifest (Bundle-Version set to 0.0.0: bnd then judges the packages' @Version, not
the Maven version of the bundle, which moves at release time) and the classes of its exported packages.
"""
import zipfile,re,os,sys
src=sys.argv[1]+'/io/occams'; frm=sys.argv[2]; commit=sys.argv[3]; dst='build/baseline/io/occams'
REL=sys.argv[4] if len(sys.argv)>4 else frm.replace('-SNAPSHOT','')  # the API's release name; a new one for each baseline, since local repositories cache a release for ever
arts=['api','codec','errors','stream','runtime-netty','runtime-vthreads','pool','server','client','discovery-zookeeper','otel','rsa','examples']
for a in arts:
    aid='occams-rpc-'+a
    jar=f'{src}/{aid}/{frm}/{aid}-{frm}.jar'
    z=zipfile.ZipFile(jar)
    mf=z.read('META-INF/MANIFEST.MF').decode().replace('\r\n ','').replace('\n ','')
    exp=re.search(r'^Export-Package: (.*)$',mf,re.M).group(1)
    # split on commas outside quotes
    pk=[];depth=False;cur=''
    for ch in exp:
        if ch=='"': depth=not depth
        if ch==',' and not depth: pk.append(cur);cur=''
        else: cur+=ch
    pk.append(cur)
    pkgs=[p.split(';')[0].replace('.','/')+'/' for p in pk]
    os.makedirs(f'{dst}/{aid}/{REL}',exist_ok=True)
    out=zipfile.ZipFile(f'{dst}/{aid}/{REL}/{aid}-{REL}.jar','w',zipfile.ZIP_DEFLATED)
    n=0
    for info in z.infolist():
        name=info.filename
        keep = name=='META-INF/MANIFEST.MF' or (name.endswith('.class') and any(name.startswith(p) and '/' not in name[len(p):] for p in pkgs))
        if keep:
            zi=zipfile.ZipInfo(name,(2026,1,1,0,0,0)); zi.compress_type=zipfile.ZIP_DEFLATED
            data=z.read(name)
            if name=='META-INF/MANIFEST.MF': data=data.replace(('Bundle-Version: '+frm.replace('-','.')).encode(),b'Bundle-Version: 0.0.0')
            out.writestr(zi,data); n+=1
    out.close()
    open(f'{dst}/{aid}/{REL}/{aid}-{REL}.pom','w').write(f'''<?xml version="1.0" encoding="UTF-8"?>
<!-- The API of {aid} {REL} (commit {commit}): its exported packages only, the baseline of bnd-baseline-maven-plugin. -->
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>io.occams</groupId><artifactId>{aid}</artifactId><version>{REL}</version><packaging>jar</packaging>
</project>
''')
    print(aid,n,[p for p in pkgs], os.path.getsize(f'{dst}/{aid}/{REL}/{aid}-{REL}.jar'))
